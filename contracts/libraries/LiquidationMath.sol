// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {MarketConfig, Position} from "../types/PerpTypes.sol";
import {PerpMath} from "./PerpMath.sol";
import {PositionMath} from "./PositionMath.sol";

/// @title LiquidationMath
/// @notice Everything one liquidation decides: whether it may happen, how much it closes, the
/// keeper reward, the penalty, the trader's payout, the deficit, what the insurance fund pays, what
/// is left for ADL and at which bankruptcy price. `calculate` is shared by the liquidation module,
/// which then only moves money, and by PerpLens.previewLiquidation, so keepers see exactly what a
/// liquidation will do.
library LiquidationMath {
    using SafeCast for uint256;
    using SafeCast for int256;
    using PerpMath for uint256;

    /// @notice What one liquidation moves between the ledgers.
    struct Outcome {
        bool liquidatable;
        PositionMath.Health health; // before the liquidation, at the current price
        uint256 closeSize;
        int256 closed; // signed like the position
        bool full;
        uint256 keeperReward;
        uint256 penalty;
        uint256 payout; // to the trader's free balance, full closes only
        uint256 deficit; // bankrupt full closes only: the position's negative equity
        uint256 insuranceDraw; // bankrupt only: the keeper's reward and the deficit, as far as the fund holds
        uint256 uncovered; // what the insurance fund could not pay: the ADL debt this creates
        uint256 bankruptcyPrice; // where the bankrupt position's equity was zero (set when uncovered > 0)
    }

    /// @notice Decides the liquidation of `p` at `price` and applies it to `p` in memory: funding and
    /// the closed part's PnL are realised into the margin, then the keeper reward and the penalty
    /// are charged. `p` is left unchanged when it is not liquidatable.
    /// @dev A bankrupt position pays no penalty; its keeper's reward, capped at half the position's
    /// own margin so that liquidating yourself always costs at least the other half, comes from the
    /// insurance fund with the deficit, and what the fund cannot pay becomes ADL debt.
    function calculate(
        Position memory p,
        MarketConfig memory c,
        uint256 price,
        int256 index,
        uint256 divisor,
        uint256 insuranceFund
    ) internal pure returns (Outcome memory o) {
        o.health = PositionMath.health(p, c, price, index, divisor);
        o.liquidatable = PositionMath.isLiquidatable(o.health);
        if (!o.liquidatable) return o;
        uint256 marginBefore = p.margin;
        // A bankrupt position is always closed in full, so its bankruptcy price is read before the cut.
        uint256 zeroEquityPrice = o.health.equity < 0 ? bankruptcyPrice(p, index, divisor) : 0;
        _cut(p, c, o, price, index, divisor);
        if (o.deficit == 0) return o;
        o.keeperReward = PerpMath.min(PositionMath.keeperReward(c, o.health.notional), marginBefore / 2);
        uint256 owed = o.deficit + o.keeperReward;
        o.insuranceDraw = PerpMath.min(owed, insuranceFund);
        o.uncovered = owed - o.insuranceDraw;
        if (o.uncovered > 0) o.bankruptcyPrice = zeroEquityPrice;
    }

    /// @notice The one definition of a bankruptcy price: where the position's equity is zero,
    /// entry + (index - fundingSnapshot) -/+ margin / size for a long/short, floored at 0. The
    /// margin per unit is rounded down, so the price errs toward the trader's danger (up for a long,
    /// down for a short); for an ADL fill that means at most a hair less haircut per unit, so a
    /// hair more size is closed to cover the debt exactly, never more profit.
    function bankruptcyPrice(Position memory p, int256 index, uint256 divisor) internal pure returns (uint256) {
        int256 adjustedEntry = int256(uint256(p.entryPrice)) + (index - p.fundingSnapshot);
        int256 cushion = int256(Math.mulDiv(p.margin, divisor, PerpMath.abs(p.size)));
        int256 zero = p.size > 0 ? adjustedEntry - cushion : adjustedEntry + cushion;
        return zero > 0 ? uint256(zero) : 0;
    }

    /// @dev Decides the cut and applies it to `p`.
    function _cut(Position memory p, MarketConfig memory c, Outcome memory o, uint256 price, int256 index, uint256 divisor) private pure {
        PositionMath.Health memory h = o.health;
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
            o.keeperReward = 0; // paid by the insurance fund instead, in calculate
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
    /// An unchanged ratio is not better, so it falls back to a full close.
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
