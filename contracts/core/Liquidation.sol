// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IRiskModule} from "../interfaces/IRiskModule.sol";
import {PerpMath} from "../libraries/PerpMath.sol";
import {PositionMath} from "../libraries/PositionMath.sol";
import {MarketConfig, Position} from "../types/PerpTypes.sol";
import {Deleverage} from "./Deleverage.sol";

/// @title Liquidation
/// @notice Permissionless liquidation. A position below maintenance margin is cut only as far as
/// needed to lift it to maintenance plus a buffer, one chunk per call; a bankrupt, unsaveable or
/// small position is closed in full. The keeper reward is paid first from the remaining equity,
/// then the penalty goes to the insurance fund. A bankrupt position's deficit is drawn from the
/// insurance fund; what the fund cannot cover becomes ADL debt of the opposite side, filled from
/// its top-ranked profitable positions in the same call when it fits (Deleverage).
/// Nothing here checks the pause: liquidation can never be paused.
abstract contract Liquidation is Deleverage {
    using SafeCast for uint256;
    using SafeCast for int256;
    using PerpMath for uint256;

    /// @dev What one liquidation moves between the ledgers.
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

    /// @inheritdoc IRiskModule
    function liquidate(uint256 positionId, uint32 hint) external onlyDelegated nonReentrant {
        Position memory p = _positions[positionId];
        if (p.size == 0) revert PositionNotFound(positionId);
        MarketConfig memory c = _configs[p.marketId];
        (uint256 price, int256 index) = _priceAndAccrue(p.marketId, c);
        PositionMath.Health memory h = PositionMath.health(p, c, price, index, valueDivisor);
        if (!PositionMath.isLiquidatable(h)) revert NotLiquidatable(positionId, h.equity, h.maintenanceMargin);
        _liquidate(positionId, p, c, h, price, index, hint);
    }

    /// @inheritdoc IRiskModule
    function liquidateBatch(
        uint256[] calldata positionIds,
        uint32[] calldata hints
    ) external onlyDelegated nonReentrant returns (uint256 liquidated) {
        for (uint256 i = 0; i < positionIds.length; ++i) {
            Position memory p = _positions[positionIds[i]];
            if (p.size == 0) continue; // already closed or liquidated by someone else
            MarketConfig memory c = _configs[p.marketId];
            (uint256 price, int256 index) = _priceAndAccrue(p.marketId, c);
            PositionMath.Health memory h = PositionMath.health(p, c, price, index, valueDivisor);
            if (!PositionMath.isLiquidatable(h)) continue; // healthy again: stale entry
            _liquidate(positionIds[i], p, c, h, price, index, i < hints.length ? hints[i] : 0);
            ++liquidated;
        }
        if (liquidated == 0) revert NothingLiquidated(positionIds.length);
    }

    function _liquidate(
        uint256 positionId,
        Position memory p,
        MarketConfig memory c,
        PositionMath.Health memory h,
        uint256 price,
        int256 index,
        uint32 hint
    ) private {
        Position memory before = _positions[positionId];
        Outcome memory o = _cut(p, c, h, price, index);
        _settleLiquidationLedgers(positionId, before, p, o, h.equity, price);
        _updateSideTotals(p.marketId, before, p);
        _storePosition(positionId, p, -o.closed, price, 0, hint);
        // The bankrupt position's own hint is unused (it left the queue), so it serves the ADL fill.
        if (o.uncovered > 0) _coverWithAdl(p.marketId, c, before.size < 0, positionId, o.uncovered, o.bankruptcyPrice, hint);
    }

    /// @dev Decides the cut and applies it to `p`: funding and the closed part's PnL are realised
    /// into the margin (which may go negative), then the keeper reward and penalty are charged.
    function _cut(
        Position memory p,
        MarketConfig memory c,
        PositionMath.Health memory h,
        uint256 price,
        int256 index
    ) private view returns (Outcome memory o) {
        uint256 absSize = PerpMath.abs(p.size);
        int256 fullSize = p.size;
        (o.closeSize, o.full) = PositionMath.liquidationCloseSize(c, h, absSize, price, valueDivisor);
        o.closed = p.size > 0 ? o.closeSize.toInt256() : -o.closeSize.toInt256();
        int256 margin = int256(uint256(p.margin)) + _settleFunding(p, index);
        int256 priceDiff = int256(price) - int256(uint256(p.entryPrice));
        o.keeperReward = PositionMath.keeperReward(c, o.closeSize.notionalDown(price, valueDivisor));
        o.penalty = PositionMath.liquidationPenalty(c, o.closeSize.notionalUp(price, valueDivisor));

        if (!o.full) {
            int256 marginAfter = margin + PerpMath.traderValueFloor(o.closed, priceDiff, valueDivisor);
            marginAfter -= int256(o.keeperReward + o.penalty);
            p.size -= o.closed.toInt128();
            if (marginAfter > 0) {
                p.margin = uint256(marginAfter).toUint128();
                o.full = !_isHealthier(p, c, h, price, index);
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
        if (o.full) _closeFully(p, o, margin + PerpMath.traderValueFloor(o.closed, priceDiff, valueDivisor));
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
        int256 index
    ) private view returns (bool) {
        PositionMath.Health memory next = PositionMath.health(p, c, price, index, valueDivisor);
        return uint256(next.equity) * h.maintenanceMargin > uint256(h.equity) * next.maintenanceMargin;
    }

    function _settleLiquidationLedgers(
        uint256 positionId,
        Position memory before,
        Position memory afterwards,
        Outcome memory o,
        int256 equityBefore,
        uint256 price
    ) private {
        uint256 insuranceDraw = PerpMath.min(o.deficit, insuranceFund());
        _creditFree(msg.sender, o.keeperReward);
        _creditFree(before.account, o.payout);
        // The vault receives the margin the position gave up plus what insurance covers of the
        // deficit; any uncovered remainder is a loss the vault has taken and ADL will recover.
        _changeLedgers(
            int256(o.penalty) - int256(insuranceDraw),
            int256(uint256(before.margin) + insuranceDraw) - int256(uint256(afterwards.margin) + o.keeperReward + o.penalty + o.payout)
        );
        o.uncovered = o.deficit - insuranceDraw;
        if (o.uncovered > 0) {
            uint256 offset = Math.mulDiv(o.deficit, valueDivisor, o.closeSize);
            o.bankruptcyPrice = o.closed > 0 ? price + offset : (price > offset ? price - offset : 0);
        }
        emit Liquidated(positionId, msg.sender, before.marketId, o.closed, price, equityBefore, o.keeperReward, o.penalty, o.deficit);
    }
}
