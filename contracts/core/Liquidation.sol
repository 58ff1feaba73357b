// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IPerpEngine} from "../interfaces/IPerpEngine.sol";
import {PerpMath} from "../libraries/PerpMath.sol";
import {PositionMath} from "../libraries/PositionMath.sol";
import {MarketConfig, Position} from "../types/PerpTypes.sol";
import {EngineBase} from "./EngineBase.sol";

/// @title Liquidation
/// @notice Permissionless liquidation. A position below maintenance margin is cut only as far as
/// needed to lift it to maintenance plus a buffer, one chunk per call; a bankrupt, unsaveable or
/// small position is closed in full. The keeper reward is paid first from the remaining equity,
/// then the penalty goes to the insurance fund. A bankrupt position's deficit is drawn from the
/// insurance fund; what the fund cannot cover is recorded as the market's uncovered deficit.
/// Nothing here checks the pause: liquidation can never be paused.
abstract contract Liquidation is EngineBase {
    using SafeCast for uint256;
    using SafeCast for int256;
    using PerpMath for uint256;

    /// @dev What one liquidation moves between the ledgers.
    struct Outcome {
        uint256 closeSize;
        bool full;
        uint256 keeperReward;
        uint256 penalty;
        uint256 payout; // to the trader's free balance, full closes only
        uint256 deficit; // bankrupt full closes only
    }

    /// @inheritdoc IPerpEngine
    function liquidate(uint256 positionId) external nonReentrant {
        Position memory p = _positions[positionId];
        if (p.size == 0) revert PositionNotFound(positionId);
        MarketConfig memory c = _configs[p.marketId];
        (uint256 price, int256 index) = _priceAndAccrue(p.marketId, c);
        PositionMath.Health memory h = PositionMath.health(p, c, price, index, valueDivisor);
        if (!PositionMath.isLiquidatable(h)) revert NotLiquidatable(positionId, h.equity, h.maintenanceMargin);
        _liquidate(positionId, p, c, h, price, index);
    }

    /// @inheritdoc IPerpEngine
    function liquidateBatch(uint256[] calldata positionIds) external nonReentrant returns (uint256 liquidated) {
        for (uint256 i = 0; i < positionIds.length; ++i) {
            Position memory p = _positions[positionIds[i]];
            if (p.size == 0) continue; // already closed or liquidated by someone else
            MarketConfig memory c = _configs[p.marketId];
            (uint256 price, int256 index) = _priceAndAccrue(p.marketId, c);
            PositionMath.Health memory h = PositionMath.health(p, c, price, index, valueDivisor);
            if (!PositionMath.isLiquidatable(h)) continue; // healthy again: stale entry
            _liquidate(positionIds[i], p, c, h, price, index);
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
        int256 index
    ) private {
        Position memory before = _positions[positionId];
        uint256 absSize = PerpMath.abs(p.size);
        Outcome memory o;
        (o.closeSize, o.full) = PositionMath.liquidationCloseSize(c, h, absSize, price, valueDivisor);
        int256 closed = p.size > 0 ? o.closeSize.toInt256() : -o.closeSize.toInt256();

        // Funding and the closed part's PnL are realised into the margin, which may go negative.
        int256 margin = int256(uint256(p.margin)) + _settleFunding(p, index);
        int256 priceDiff = int256(price) - int256(uint256(p.entryPrice));
        int256 marginAfterPartial = margin + PerpMath.traderValueFloor(closed, priceDiff, valueDivisor);
        o.keeperReward = PositionMath.keeperReward(c, o.closeSize.notionalDown(price, valueDivisor));
        o.penalty = PositionMath.liquidationPenalty(c, o.closeSize.notionalUp(price, valueDivisor));

        if (!o.full) {
            marginAfterPartial -= int256(o.keeperReward + o.penalty);
            p.size -= closed.toInt128();
            if (marginAfterPartial > 0) {
                p.margin = uint256(marginAfterPartial).toUint128();
                o.full = !_isHealthier(p, c, h, price, index);
            } else {
                o.full = true;
            }
            if (o.full) {
                // The partial cut would not help: close everything instead.
                p.size = before.size;
                o.closeSize = absSize;
                closed = p.size;
                o.keeperReward = PositionMath.keeperReward(c, h.notional);
                o.penalty = PositionMath.liquidationPenalty(c, h.notional);
            }
        }
        if (o.full) _closeFully(p, o, margin + PerpMath.traderValueFloor(closed, priceDiff, valueDivisor));

        _settleLiquidationLedgers(positionId, before, p, o, h.equity, price, closed);
        _updateSideTotals(p.marketId, before, p);
        _storePosition(positionId, p, -closed, price, 0);
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
        uint256 price,
        int256 closed
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
        if (o.deficit > insuranceDraw) _recordUncoveredDeficit(before.marketId, positionId, o.deficit - insuranceDraw);
        emit Liquidated(positionId, msg.sender, before.marketId, closed, price, equityBefore, o.keeperReward, o.penalty, o.deficit);
    }

    function _recordUncoveredDeficit(uint32 marketId, uint256 positionId, uint256 amount) private {
        uint256 total = _states[marketId].uncoveredDeficit + amount;
        _states[marketId].uncoveredDeficit = total;
        emit DeficitUncovered(marketId, positionId, amount, total);
    }
}
