// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IRiskModule} from "../interfaces/IRiskModule.sol";
import {PerpMath} from "../libraries/PerpMath.sol";
import {LiquidationMath} from "../libraries/LiquidationMath.sol";
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
        LiquidationMath.Outcome memory o = LiquidationMath.cut(p, c, h, price, index, valueDivisor);
        _settleLiquidationLedgers(positionId, before, p, o, h.equity, price);
        _updateSideTotals(p.marketId, before, p);
        _storePosition(positionId, p, -o.closed, price, 0, hint);
        // The bankrupt position's own hint is unused (it left the queue), so it serves the ADL fill.
        if (o.uncovered > 0) _coverWithAdl(p.marketId, c, before.size < 0, positionId, o.uncovered, o.bankruptcyPrice, hint);
    }

    function _settleLiquidationLedgers(
        uint256 positionId,
        Position memory before,
        Position memory afterwards,
        LiquidationMath.Outcome memory o,
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
