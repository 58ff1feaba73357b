// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MarketConfig, MarketState, Position} from "../../../contracts/types/PerpTypes.sol";

/// @title ReferenceMath
/// @notice An independent model of a position's health, written from the README's definitions and
/// the rounding rules documented in PerpMath and PositionMath, with plain integer arithmetic and
/// without calling any engine library. The invariants compare the engine's decisions against it,
/// so a bug in the engine's own health code cannot hide by being used to check itself.
library ReferenceMath {
    uint256 internal constant WAD = 1e18;

    struct Health {
        int256 equity; // margin + size * ((price - entry) - (index - snapshot)) / divisor, floored
        uint256 notional; // |size| * price / divisor, rounded up
        uint256 initialMargin; // notional * tier initial rate, rounded up
        uint256 maintenanceMargin; // notional * tier maintenance rate, rounded up
        bool liquidatable; // equity strictly below maintenance
    }

    /// @notice The funding index projected to `timestamp`: the rate is maxRate * skew / skewScale
    /// (truncated toward zero, clamped to +-maxRate) and the index moves by rate * price * elapsed / WAD,
    /// truncated toward zero.
    function fundingIndexAt(MarketConfig memory c, MarketState memory s, uint256 price, uint256 timestamp) internal pure returns (int256) {
        int256 maxRate = int256(uint256(c.maxFundingRatePerSecond));
        int256 skew = int256(uint256(s.longSize)) - int256(uint256(s.shortSize));
        int256 rate = (maxRate * skew) / int256(uint256(c.skewScale));
        if (rate > maxRate) rate = maxRate;
        if (rate < -maxRate) rate = -maxRate;
        int256 elapsed = int256(timestamp - uint256(s.lastFundingTime));
        return s.fundingIndex + (rate * int256(price) * elapsed) / int256(WAD);
    }

    function health(
        Position memory p,
        MarketConfig memory c,
        uint256 price,
        int256 index,
        uint256 divisor
    ) internal pure returns (Health memory h) {
        int256 move = (int256(price) - int256(uint256(p.entryPrice))) - (index - int256(p.fundingSnapshot));
        h.equity = int256(uint256(p.margin)) + floorDiv(int256(p.size) * move, int256(divisor));
        uint256 absSize = p.size >= 0 ? uint256(int256(p.size)) : uint256(-int256(p.size));
        h.notional = ceilDiv(absSize * price, divisor);
        // The first bracket whose cap holds the notional; beyond the last one, the last one.
        uint256 t = c.tierCount - 1;
        for (uint256 i = 0; i < c.tierCount; ++i) {
            if (h.notional <= c.tiers[i].maxNotional) {
                t = i;
                break;
            }
        }
        h.initialMargin = ceilDiv(h.notional * c.tiers[t].initialMarginRate, WAD);
        h.maintenanceMargin = ceilDiv(h.notional * c.tiers[t].maintenanceMarginRate, WAD);
        h.liquidatable = h.equity < int256(h.maintenanceMargin);
    }

    /// @notice The most a liquidation of `closedSize` may pay the insurance fund: the penalty rate on
    /// the closed notional, both rounded up.
    function maxPenalty(MarketConfig memory c, uint256 closedSize, uint256 price, uint256 divisor) internal pure returns (uint256) {
        return ceilDiv(ceilDiv(closedSize * price, divisor) * c.liquidationPenaltyRate, WAD);
    }

    /// @notice Division rounded toward minus infinity.
    function floorDiv(int256 a, int256 b) internal pure returns (int256 q) {
        q = a / b;
        if (a % b != 0 && (a < 0) != (b < 0)) q -= 1;
    }

    function ceilDiv(uint256 a, uint256 b) internal pure returns (uint256) {
        return a == 0 ? 0 : (a - 1) / b + 1;
    }
}
