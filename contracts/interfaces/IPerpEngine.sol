// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MarketConfig, MarketState, Position} from "../types/PerpTypes.sol";

/// @title IPerpEngine
/// @notice Collateral accounts, isolated-margin perpetual positions against an ERC-4626 liquidity
/// vault, skew-based funding, permissionless liquidation and the insurance fund.
interface IPerpEngine {
    // ─── Errors ─────────────────────────────────────────────────────────────────────────────
    error ZeroAmount();
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

    // ─── Events ─────────────────────────────────────────────────────────────────────────────
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
    event FundingAccrued(uint32 indexed marketId, int256 fundingIndex, int256 ratePerSecond, uint256 timestamp);
    /// @notice New balances of the insurance fund and of the vault's cash, after the given deltas.
    event LedgersChanged(uint256 insuranceFund, uint256 vaultCash, int256 insuranceDelta, int256 vaultCashDelta);
    /// @notice Bad debt beyond the insurance fund. The vault has absorbed it; `totalUncovered` is the
    /// market's outstanding amount, the target of auto-deleveraging.
    event DeficitUncovered(uint32 indexed marketId, uint256 indexed positionId, uint256 amount, uint256 totalUncovered);
    event MarketListed(uint32 indexed marketId, MarketConfig config);
    event MarketConfigUpdated(uint32 indexed marketId, MarketConfig config);
    event GuardianSet(address guardian);
    event RiskPausedSet(bool paused);
    event VaultSet(address vault);

    // ─── Accounts ───────────────────────────────────────────────────────────────────────────
    /// @notice Credits the free balance with what actually arrived (fee-on-transfer safe).
    function deposit(uint256 amount) external returns (uint256 credited);
    function withdraw(uint256 amount, address to) external;

    // ─── Trading ────────────────────────────────────────────────────────────────────────────
    /// @notice Opens a position of `size` (long > 0, short < 0) with `margin` taken from the free balance.
    function openPosition(
        uint32 marketId,
        int256 size,
        uint256 margin,
        uint256 acceptablePrice,
        uint256 deadline
    ) external returns (uint256 positionId);
    /// @notice Increases (same sign) or reduces (opposite sign) the position; it cannot flip side.
    function modifyPosition(uint32 marketId, int256 sizeDelta, uint256 acceptablePrice, uint256 deadline) external;
    /// @notice Closes the position and returns margin plus PnL to the free balance.
    function closePosition(uint32 marketId, uint256 acceptablePrice, uint256 deadline) external;
    /// @notice Moves free balance into the position's margin. Needs no price.
    function addMargin(uint32 marketId, uint256 amount) external;
    /// @notice Moves margin back to the free balance; the position must still meet initial margin.
    function removeMargin(uint32 marketId, uint256 amount, uint256 deadline) external;

    // ─── Liquidation ────────────────────────────────────────────────────────────────────────
    /// @notice Liquidates a position below maintenance margin; partially when that restores health.
    function liquidate(uint256 positionId) external;
    /// @notice Liquidates every liquidatable entry, skipping stale ones; reverts only if none was.
    function liquidateBatch(uint256[] calldata positionIds) external returns (uint256 liquidated);

    // ─── Insurance and vault ────────────────────────────────────────────────────────────────
    function fundInsurance(uint256 amount) external;
    /// @notice Called by the vault after it moved `amount` of LP deposits to this contract.
    function creditVaultDeposit(uint256 amount) external;
    /// @notice Called by the vault to pay an LP withdrawal.
    function releaseVaultCash(address to, uint256 amount) external;

    // ─── Views ──────────────────────────────────────────────────────────────────────────────
    function vaultCash() external view returns (uint256);
    function insuranceFund() external view returns (uint256);
    function freeBalance(address account) external view returns (uint256);
    function valueDivisor() external view returns (uint256);
    function riskPaused() external view returns (bool);
    function position(uint256 positionId) external view returns (Position memory);
    function positionIdOf(address account, uint32 marketId) external view returns (uint256);
    function marketConfig(uint32 marketId) external view returns (MarketConfig memory);
    function marketState(uint32 marketId) external view returns (MarketState memory);
    function marketCount() external view returns (uint32);
    /// @notice Vault cash minus traders' aggregate unrealised PnL net of funding, across markets.
    function vaultEquity() external view returns (int256);
    /// @notice Vault cash the traders' aggregate unrealised profit needs; LPs cannot withdraw it.
    function reservedTraderProfit() external view returns (uint256);
    /// @notice Each side's aggregate unrealised PnL net of pending funding at the current price.
    function sidePnl(uint32 marketId) external view returns (int256 longPnl, int256 shortPnl);
}
