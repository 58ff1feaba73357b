// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MarketConfig, Order, OrderSettings} from "../types/PerpTypes.sol";

/// @title IPerpEngineEvents
/// @notice Every custom error and event of the engine, shared by the engine and its liquidation module.
interface IPerpEngineEvents {
    // ─── Errors ─────────────────────────────────────────────────────────────────────────────
    error ZeroAmount();
    /// @notice A market parameter is outside its hard bound; `field` names it.
    error InvalidMarketParameter(string field, uint256 value);
    error InsufficientBalance(address account, uint256 balance, uint256 requested);
    error UnsupportedDecimals(uint8 decimals);
    error NothingReceived(uint256 requested);
    error DeadlineExpired(uint256 deadline, uint256 timestamp);
    error PriceOutsideBound(uint256 price, uint256 acceptablePrice, bool isBuy);
    error UnknownMarket(uint32 marketId);
    error TooManyMarkets(uint256 limit);
    error NoPosition(address account, uint32 marketId);
    error PositionExists(address account, uint32 marketId, uint256 positionId);
    error PositionNotFound(uint256 positionId);
    error InsufficientMargin(uint256 positionId, uint256 margin, uint256 requested);
    error SizeFlip(int256 size, int256 sizeDelta);
    error BelowInitialMargin(uint256 positionId, int256 equity, uint256 initialMargin);
    error BelowMaintenanceMargin(uint256 positionId, int256 equity, uint256 maintenanceMargin);
    error NotionalAboveMaxTier(uint256 positionId, uint256 notional);
    error OpenInterestCap(uint32 marketId, bool isLong, uint256 openInterest, uint256 cap);
    error PositionBankrupt(uint256 positionId, int256 equity);
    error NotLiquidatable(uint256 positionId, int256 equity, uint256 maintenanceMargin);
    error NothingLiquidated(uint256 candidates);
    error InsufficientVaultCash(uint256 cash, uint256 requested);
    error RiskPaused();
    error NotGuardian(address caller);
    error NotVault(address caller);
    error VaultAlreadySet(address vault);
    error ZeroAddress();
    error DeleveragePending(uint32 marketId, bool isLong, uint256 debt);
    error NothingToDeleverage(uint32 marketId, bool isLong, uint256 pnlFactor, uint256 maxPnlFactor);
    error NoDeleverageProgress(uint32 marketId, bool isLong);
    error CloseSizeInBankruptcyMode(uint256 closeSize);
    /// @notice A pool-protection deleverage took the side's profit below its target by more than rounding.
    error PnlOvercorrected(int256 sidePnl, int256 targetPnl);
    error AccountLimitReached(uint256 limit);
    /// @notice A fill would leave the position smaller than the market's minimum (a full close is always allowed).
    error PositionBelowMinimum(uint256 positionId, uint256 notional, uint256 minPositionNotional);
    /// @notice An LP withdrawal would push a side's profit over maxPnlFactor x the vault's equity.
    error WithdrawalExceedsPnlFactor(uint32 marketId, bool isLong, uint256 pnlFactorAfter, uint256 maxPnlFactor);
    /// @notice An entry point meant for the engine's own batch was called from outside.
    error OnlyEngine(address caller);
    error OrderNotFound(uint256 orderId);
    error NotOrderOwner(uint256 orderId, address caller);
    error CancelTooEarly(uint256 orderId, uint256 allowedAt, uint256 timestamp);
    error ExecutionFeeTooLow(uint256 fee, uint256 minimum);
    /// @notice A createOrder field is invalid for the order's kind; `field` names it.
    error InvalidOrder(string field, uint256 value);
    /// @notice The cancellation reason of an order executed after its expiry.
    error OrderExpired(uint256 orderId, uint256 expiresAt, uint256 timestamp);
    /// @notice The proven price is older than OrderSettings.maxPriceAge.
    error PriceTooOld(uint256 publishTime, uint256 maxPriceAge, uint256 timestamp);
    /// @notice The trigger proof's price has not crossed the order's trigger.
    error TriggerNotReached(uint256 orderId, uint256 price, uint256 triggerPrice);
    /// @notice The fill ran out of gas: the executor must send more; the order stays pending.
    error FillOutOfGas(uint256 orderId);
    /// @notice The cancellation reason of a reduce-only order that would open or grow a position.
    error ReduceOnlyWouldIncrease(uint256 orderId, int256 size, int256 sizeDelta);
    error InsufficientUpdateFee(uint256 sent, uint256 required);
    error InvalidOrderSettings(string field, uint256 value);

    // ─── Events ─────────────────────────────────────────────────────────────────────────────
    /// @notice `account` was credited for the first time and got `number`: its position in market m
    /// has id number * 16 + m.
    event AccountRegistered(address indexed account, uint32 number);
    /// @notice The free (unallocated) collateral of `account` is now `balance`, after `delta`.
    event BalanceChanged(address indexed account, uint256 balance, int256 delta);
    /// @notice Full new state of a position after any change. `size == 0` means it is closed.
    event PositionUpdated(
        uint256 indexed positionId,
        address indexed account,
        uint32 indexed marketId,
        int256 size,
        uint256 margin,
        uint256 entryPrice,
        int256 fundingSnapshot,
        int256 sizeDelta,
        uint256 fillPrice,
        uint256 fee
    );
    event Liquidated(
        uint256 indexed positionId,
        address indexed keeper,
        uint32 indexed marketId,
        int256 closedSize,
        uint256 price,
        int256 equityBefore,
        uint256 keeperReward,
        uint256 penalty,
        uint256 deficit
    );
    /// @notice A liquidateBatch entry was not liquidated; `reason` is the revert data of its attempt
    /// (e.g. NotLiquidatable for a healthy one, PositionNotFound for a closed one).
    event LiquidationSkipped(uint256 indexed positionId, bytes reason);
    /// @notice The insurance fund paid `amount` for a bankrupt liquidation: its keeper's reward and deficit.
    event InsuranceDrawn(uint32 indexed marketId, uint256 indexed positionId, uint256 amount);
    event FundingAccrued(uint32 indexed marketId, int256 fundingIndex, int256 ratePerSecond, uint256 timestamp);
    /// @notice New balances of the insurance fund and of the vault's cash, after the given deltas.
    event LedgersChanged(uint256 insuranceFund, uint256 vaultCash, int256 insuranceDelta, int256 vaultCashDelta);
    /// @notice Bad debt beyond the insurance fund, now owed by the opposite side's profitable positions
    /// through ADL (`payerIsLong`); `totalDebt` is that side's outstanding ADL debt.
    event DeficitUncovered(uint32 indexed marketId, uint256 indexed positionId, bool payerIsLong, uint256 amount, uint256 totalDebt);
    /// @notice A side's outstanding ADL debt and the bankruptcy price its fills use.
    event AdlDebtChanged(uint32 indexed marketId, bool isLong, uint256 debt, uint256 bankruptcyPrice);
    /// @notice One ADL fill: the counterparty closed `closedSize` at `fillPrice`, realising
    /// `realisedPnl` after a `haircut` of its profit; `remainingDebt` is what the side still owes.
    event AdlFill(
        uint32 indexed marketId,
        uint256 indexed positionId,
        bool isLong,
        uint256 closedSize,
        uint256 fillPrice,
        int256 realisedPnl,
        uint256 haircut,
        uint256 remainingDebt
    );
    /// @notice No profitable counterparty is left, so the vault bears the rest of the side's ADL debt.
    event DeficitBorneByVault(uint32 indexed marketId, bool isLong, uint256 amount);
    /// @notice A position joined (`queued`) or left its side's ADL queue, in `bucket` with key `k`.
    event QueueUpdated(uint256 indexed positionId, uint32 indexed marketId, bool isLong, bool queued, uint16 bucket, int256 k);
    event MarketListed(uint32 indexed marketId, MarketConfig config);
    event MarketConfigUpdated(uint32 indexed marketId, MarketConfig config);
    event GuardianSet(address guardian);
    event RiskPausedSet(bool paused);
    event VaultSet(address vault);
    /// @notice A request was created; `order` is all of it, its escrow is marginIn + executionFee.
    event OrderCreated(uint256 indexed orderId, address indexed account, uint32 indexed marketId, Order order);
    /// @notice An order filled at `price` (published at `publishTime`) and `executionPrice` after
    /// `impact` (positive paid, negative rebated; `impactPool` is the market's pool after it); the
    /// executor earned `executionFee`.
    event OrderExecuted(
        uint256 indexed orderId,
        uint256 indexed positionId,
        address indexed executor,
        uint256 price,
        uint256 publishTime,
        uint256 executionPrice,
        int256 impact,
        uint256 impactPool,
        uint256 executionFee
    );
    /// @notice An order left the book unfilled: `refund` went back to its account's free balance and
    /// `executorFee` to the executor who cancelled it; `reason` is empty for the owner's own cancel,
    /// otherwise the revert data of the failed fill (e.g. OrderExpired, PriceOutsideBound).
    event OrderCancelled(
        uint256 indexed orderId,
        address indexed account,
        address indexed cancelledBy,
        uint256 refund,
        uint256 executorFee,
        bytes reason
    );
    /// @notice An executeOrders entry was left pending; `reason` is the revert data.
    event OrderSkipped(uint256 indexed orderId, bytes reason);
    event OrderSettingsSet(OrderSettings settings);
}
