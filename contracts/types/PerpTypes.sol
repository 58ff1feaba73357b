// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IPriceOracle} from "../interfaces/IPriceOracle.sol";

uint256 constant MAX_RISK_TIERS = 4;
/// @dev Markets an engine can list; also the stride of position ids (account number * MAX_MARKETS +
/// market id), so bounding it bounds every loop over markets and keeps ids dense.
uint256 constant MAX_MARKETS = 16;

/// @notice One notional bracket. A position whose notional is at most `maxNotional` (token atoms)
/// uses these rates; brackets are ascending and the last one caps the position size.
struct RiskTier {
    uint128 maxNotional;
    uint64 initialMarginRate; // WAD
    uint64 maintenanceMarginRate; // WAD
}

/// @notice Owner-set market parameters. Every field is bounded in MarketConfigLib.validate.
struct MarketConfig {
    IPriceOracle oracle;
    uint64 tradingFeeRate; // WAD, of traded notional
    uint64 insuranceFeeShare; // WAD, share of trading fees sent to the insurance fund
    uint64 liquidationPenaltyRate; // WAD, of liquidated notional, to the insurance fund
    uint64 liquidationBufferRate; // WAD, partial liquidation targets maintenance * (1 + buffer)
    uint64 keeperRewardRate; // WAD, of liquidated notional
    uint128 keeperRewardFixed; // token atoms
    uint128 keeperRewardCap; // token atoms
    uint128 maxLiquidationNotional; // token atoms per partial liquidation call
    uint128 minPositionNotional; // token atoms; smaller remainders are closed in full
    uint128 maxLongSize; // open-interest cap, base units
    uint128 maxShortSize; // open-interest cap, base units
    uint64 maxFundingRatePerSecond; // WAD per second, reached at full skew
    uint128 skewScale; // base units of skew that reach the maximum funding rate
    uint8 tierCount;
    RiskTier[MAX_RISK_TIERS] tiers;
    uint64 maxPnlFactor; // WAD; pool-protection ADL may run when a side's profit / vault assets exceeds it
    uint64 targetPnlFactor; // WAD; pool-protection ADL brings the factor back to this, and no lower
    uint128 impactSkewScale; // base units; a trade pays price * (skewAfter^2 - skewBefore^2) / (2 * impactSkewScale); 0: no impact
}

/// @notice Mutable per-market state.
/// @dev `longSizeK`/`shortSizeK` are sum(|size| * k) with k = entry - fundingSnapshot; together with the
/// open interest they give each side's aggregate unrealised PnL net of funding in O(1):
/// long pnl = (longSize * X - longSizeK) / divisor, short pnl = (shortSizeK - shortSize * X) / divisor,
/// where X = price - fundingIndex.
/// Bad debt the insurance fund could not cover is owed by the opposite side's profitable positions:
/// `longAdlDebt` comes from bankrupt shorts and is taken from longs, at `longAdlPrice`, the debt's
/// (deficit-weighted) bankruptcy price; and symmetrically for shorts.
struct MarketState {
    int128 fundingIndex; // WAD price units per base unit, cumulative
    uint64 lastFundingTime;
    bool longAdlPending; // mirrors longAdlDebt > 0 in the slot every trade reads
    bool shortAdlPending;
    uint128 longSize;
    uint128 shortSize;
    int256 longSizeK;
    int256 shortSizeK;
    uint128 longAdlDebt; // token atoms
    uint128 shortAdlDebt;
    uint128 longAdlPrice; // WAD
    uint128 shortAdlPrice;
    uint128 longMargin; // sum of the longs' margins: bounds what their losers can fail to pay (the reserve)
    uint128 shortMargin;
    uint128 impactPool; // price impact charged and not yet rebated: the most that rebates may still pay
}

/// @notice An isolated-margin position. Size 0 means no position.
/// @dev Packed into three slots. int128/uint128 casts are checked with SafeCast on every write.
/// An open position is always in its side's ADL queue (AdlQueue); its two links there share the
/// last slot with account and market, so joining the queue writes no slot of its own.
struct Position {
    int128 size;
    uint128 margin;
    uint128 entryPrice;
    int128 fundingSnapshot;
    address account;
    uint32 marketId;
    uint32 adlPrev; // better-ranked neighbour in its ADL bucket, 0 at the head
    uint32 adlNext; // worse-ranked neighbour, 0 at the tail
}

// What an order does when executed (Order.kind). Plain uint8 values rather than an enum, so that
// every ABI, the linked OrderRules library's included, reads as uint8. StopLoss and TakeProfit are
// always reduce-only.
uint8 constant ORDER_MARKET = 0;
uint8 constant ORDER_LIMIT = 1;
uint8 constant ORDER_STOP_LOSS = 2;
uint8 constant ORDER_TAKE_PROFIT = 3;

/// @notice A trader's request, as passed to createOrder.
/// @dev `sizeDelta` > 0 buys, < 0 sells, 0 withdraws `marginOut` only. A reduce-only order closes at
/// most the position's size at execution: a sell of more than a long's size closes it in full.
/// `acceptablePrice` bounds the execution price, impact included (for a Limit order, the limit).
/// `triggerPrice`: a StopLoss on a long triggers at or below it, a TakeProfit at or above it (and the
/// reverse for shorts).
struct OrderRequest {
    uint32 marketId;
    uint8 kind; // ORDER_MARKET, ORDER_LIMIT, ORDER_STOP_LOSS or ORDER_TAKE_PROFIT
    bool reduceOnly;
    int256 sizeDelta;
    uint256 marginIn;
    uint256 marginOut;
    uint256 acceptablePrice;
    uint256 triggerPrice;
    uint256 executionFee;
    uint256 expiresAt;
}

/// @notice A pending order, packed into four slots.
struct Order {
    address account;
    uint32 marketId;
    uint8 kind; // ORDER_MARKET, ORDER_LIMIT, ORDER_STOP_LOSS or ORDER_TAKE_PROFIT
    bool reduceOnly;
    uint40 createdAt;
    int128 sizeDelta;
    uint128 marginIn;
    uint128 marginOut;
    uint88 executionFee;
    uint40 expiresAt;
    uint128 acceptablePrice;
    uint128 triggerPrice;
}

/// @notice Owner-set rules of order execution, bounded in GovernanceModule.
struct OrderSettings {
    uint32 minExecutionDelay; // seconds after the request (or the trigger) before a price may fill it
    uint32 maxPriceAge; // seconds a proven price may be old at execution
    uint32 cancelDelay; // seconds before the owner may cancel
    uint128 minExecutionFee; // token atoms
    uint128 maxCancellationFee; // token atoms an executor keeps for cancelling a failed order
}
