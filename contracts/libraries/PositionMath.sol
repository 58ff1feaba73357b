// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {MarketConfig, Position, RiskTier} from "../types/PerpTypes.sol";
import {MarketConfigLib} from "./MarketConfigLib.sol";
import {PerpMath} from "./PerpMath.sol";

/// @title PositionMath
/// @notice Health, margin requirements and liquidation sizing of one isolated position.
library PositionMath {
    using PerpMath for uint256;

    /// @dev Token atoms added to a partial liquidation's shortfall to absorb the up-roundings of the
    /// penalty and of the remaining maintenance target (at most 5 atoms between them).
    uint256 internal constant LIQUIDATION_ROUNDING_SLACK = 5;

    struct Health {
        int256 equity; // margin + unrealised pnl - pending funding, token atoms
        uint256 notional; // rounded up
        uint256 initialMargin; // rounded up
        uint256 maintenanceMargin; // rounded up
        bool withinTiers; // false when the notional is beyond the last risk bracket
    }

    /// @notice `margin + size * (X - k) / divisor`, with X = price - fundingIndex and
    /// k = entry - fundingSnapshot, rounded against the trader.
    function equity(Position memory p, uint256 price, int256 fundingIndex, uint256 divisor) internal pure returns (int256) {
        int256 priceDiff = (int256(price) - int256(uint256(p.entryPrice))) - (fundingIndex - p.fundingSnapshot);
        return int256(uint256(p.margin)) + PerpMath.traderValueFloor(p.size, priceDiff, divisor);
    }

    /// @notice Realises pending funding: returns the amount to add to the margin (negative when the
    /// position pays, rounded against the trader) and moves the snapshot to `index`.
    function settleFunding(Position memory p, int256 index, uint256 divisor) internal pure returns (int256 fundingPnl) {
        fundingPnl = PerpMath.traderValueFloor(p.size, p.fundingSnapshot - index, divisor);
        p.fundingSnapshot = SafeCast.toInt128(index);
    }

    function health(
        Position memory p,
        MarketConfig memory c,
        uint256 price,
        int256 fundingIndex,
        uint256 divisor
    ) internal pure returns (Health memory h) {
        h.equity = equity(p, price, fundingIndex, divisor);
        h.notional = PerpMath.abs(p.size).notionalUp(price, divisor);
        RiskTier memory tier;
        (tier, h.withinTiers) = MarketConfigLib.tierFor(c, h.notional);
        h.initialMargin = h.notional.mulWadUp(tier.initialMarginRate);
        h.maintenanceMargin = h.notional.mulWadUp(tier.maintenanceMarginRate);
    }

    function isLiquidatable(Health memory h) internal pure returns (bool) {
        return h.equity < int256(h.maintenanceMargin);
    }

    /// @notice Keeper reward for liquidating `closedNotional`, rounded down and capped.
    function keeperReward(MarketConfig memory c, uint256 closedNotional) internal pure returns (uint256) {
        return PerpMath.min(c.keeperRewardFixed + closedNotional.mulWadDown(c.keeperRewardRate), c.keeperRewardCap);
    }

    /// @notice Insurance penalty for liquidating `closedNotional`, rounded up.
    function liquidationPenalty(MarketConfig memory c, uint256 closedNotional) internal pure returns (uint256) {
        return closedNotional.mulWadUp(c.liquidationPenaltyRate);
    }

    /// @notice The size a liquidation should close: the least that lifts equity back to
    /// maintenance * (1 + buffer) after the reward and penalty, at most one chunk per call;
    /// or the whole position when it is bankrupt, cannot be saved, or would leave dust.
    /// @dev Solves `E - R - pen*q*P/D >= mmB * (s - q) * P/D` for q, with the reward R bounded above
    /// by its value at full size, and rounds q up: both err toward closing more.
    function liquidationCloseSize(
        MarketConfig memory c,
        Health memory h,
        uint256 absSize,
        uint256 price,
        uint256 divisor
    ) internal pure returns (uint256 closeSize, bool full) {
        if (h.equity <= 0) return (absSize, true);
        (RiskTier memory tier, ) = MarketConfigLib.tierFor(c, h.notional);
        uint256 targetRate = uint256(tier.maintenanceMarginRate).mulWadUp(PerpMath.WAD + c.liquidationBufferRate);
        uint256 needed = h.notional.mulWadUp(targetRate) + keeperReward(c, h.notional) + LIQUIDATION_ROUNDING_SLACK - uint256(h.equity);
        // targetRate > penaltyRate is guaranteed by MarketConfigLib (penalty < every maintenance rate).
        closeSize = Math.mulDiv(needed * PerpMath.WAD, divisor, price * (targetRate - c.liquidationPenaltyRate), Math.Rounding.Ceil);
        if (closeSize >= absSize) return (absSize, true);
        if ((absSize - closeSize).notionalDown(price, divisor) < c.minPositionNotional) return (absSize, true);
        uint256 chunk = Math.mulDiv(c.maxLiquidationNotional, divisor, price);
        return (PerpMath.min(closeSize, chunk), false);
    }
}
