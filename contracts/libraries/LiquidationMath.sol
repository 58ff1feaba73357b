// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {MarketConfig, Position} from "../types/PerpTypes.sol";
import {PerpMath} from "./PerpMath.sol";
import {PositionMath} from "./PositionMath.sol";

/// @title LiquidationMath
/// @notice How much one liquidation closes and where the position's equity goes. Shared by the
/// engine and PerpLens.previewLiquidation, so keepers see exactly what a liquidation will do.
library LiquidationMath {
    using SafeCast for uint256;
    using SafeCast for int256;
    using PerpMath for uint256;

    /// @notice What one liquidation moves between the ledgers.
    struct Outcome {
        uint256 closeSize;
        int256 closed; // signed like the position
        bool full;
        uint256 keeperReward;
        uint256 penalty;
        uint256 payout; // to the trader's free balance, full closes only
        uint256 deficit; // bankrupt full closes only
        uint256 uncovered; // the part of the deficit the insurance fund could not cover
        uint256 bankruptcyPrice; // where the bankrupt position's equity was zero
    }

    /// @dev Decides the cut and applies it to `p`: funding and the closed part's PnL are realised
    /// into the margin (which may go negative), then the keeper reward and penalty are charged.
    function cut(
        Position memory p,
        MarketConfig memory c,
        PositionMath.Health memory h,
        uint256 price,
        int256 index,
        uint256 divisor
    ) internal pure returns (Outcome memory o) {
        uint256 absSize = PerpMath.abs(p.size);
        int256 fullSize = p.size;
        (o.closeSize, o.full) = PositionMath.liquidationCloseSize(c, h, absSize, price, divisor);
        o.closed = p.size > 0 ? o.closeSize.toInt256() : -o.closeSize.toInt256();
        int256 margin = int256(uint256(p.margin)) + PositionMath.settleFunding(p, index, divisor);
        int256 priceDiff = int256(price) - int256(uint256(p.entryPrice));
        o.keeperReward = PositionMath.keeperReward(c, o.closeSize.notionalDown(price, divisor));
        o.penalty = PositionMath.liquidationPenalty(c, o.closeSize.notionalUp(price, divisor));

        if (!o.full) {
            int256 marginAfter = margin + PerpMath.traderValueFloor(o.closed, priceDiff, divisor);
            marginAfter -= int256(o.keeperReward + o.penalty);
            p.size -= o.closed.toInt128();
            if (marginAfter > 0) {
                p.margin = uint256(marginAfter).toUint128();
                o.full = !_isHealthier(p, c, h, price, index, divisor);
            } else {
                o.full = true;
            }
            if (o.full) {
                // The partial cut would not help: close everything instead.
                p.size = fullSize.toInt128();
                o.closeSize = absSize;
                o.closed = fullSize;
                o.keeperReward = PositionMath.keeperReward(c, h.notional);
                o.penalty = PositionMath.liquidationPenalty(c, h.notional);
            }
        }
        if (o.full) _closeFully(p, o, margin + PerpMath.traderValueFloor(o.closed, priceDiff, divisor));
    }

    /// @dev Splits the equity left after a full close: keeper reward first, then penalty, rest to the trader.
    function _closeFully(Position memory p, Outcome memory o, int256 equityLeft) private pure {
        p.size = 0;
        p.margin = 0;
        p.entryPrice = 0;
        if (equityLeft < 0) {
            o.keeperReward = 0;
            o.penalty = 0;
            o.deficit = uint256(-equityLeft);
            return;
        }
        uint256 remaining = uint256(equityLeft);
        o.keeperReward = PerpMath.min(o.keeperReward, remaining);
        remaining -= o.keeperReward;
        o.penalty = PerpMath.min(o.penalty, remaining);
        o.payout = remaining - o.penalty;
    }

    /// @dev Margin ratio after beats margin ratio before: equity'/mm' > equity/mm, cross-multiplied.
    function _isHealthier(
        Position memory p,
        MarketConfig memory c,
        PositionMath.Health memory h,
        uint256 price,
        int256 index,
        uint256 divisor
    ) private pure returns (bool) {
        PositionMath.Health memory next = PositionMath.health(p, c, price, index, divisor);
        return uint256(next.equity) * h.maintenanceMargin > uint256(h.equity) * next.maintenanceMargin;
    }
}
