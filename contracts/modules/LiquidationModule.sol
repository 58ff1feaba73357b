// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {EngineBase} from "../core/EngineBase.sol";
import {ILiquidationModule} from "../interfaces/ILiquidationModule.sol";
import {LiquidationMath} from "../libraries/LiquidationMath.sol";
import {MarketConfig, Position} from "../types/PerpTypes.sol";
import {Deleverage} from "./Deleverage.sol";

/// @title LiquidationModule
/// @notice Permissionless liquidation and auto-deleveraging, run by PerpEngine with delegatecall on
/// its own storage (EngineBase's layout, checked in CI). A position below maintenance margin is cut
/// only as far as needed to lift it to maintenance plus a buffer, one chunk per call; a bankrupt,
/// unsaveable or small position is closed in full. LiquidationMath decides every amount; this code
/// only moves them. A bankrupt position's deficit is drawn from the insurance fund; what the fund
/// cannot cover becomes ADL debt of the opposite side, filled from its top-ranked profitable
/// positions in the same call when it fits (Deleverage).
/// Liveness: nothing here checks the pause, no queue move depends on the caller's hint, and a batch
/// survives any failing entry.
contract LiquidationModule is Deleverage {
    /// @notice Gas each batch entry leaves to the batch: an entry that runs out of gas is skipped and
    /// the batch stops there, keeping every liquidation it made, instead of reverting them all.
    uint256 public constant BATCH_GAS_RESERVE = 60_000;

    /// @dev Built for one settlement token: its immutables (token, value divisor) must match the engine's.
    constructor(IERC20Metadata token) EngineBase(token, msg.sender) {}

    /// @inheritdoc ILiquidationModule
    function liquidate(uint256 positionId, uint32 hint) external onlyDelegated nonReentrant {
        _liquidate(positionId, hint, msg.sender);
    }

    /// @inheritdoc ILiquidationModule
    function liquidateBatch(
        uint256[] calldata positionIds,
        uint32[] calldata hints
    ) external onlyDelegated nonReentrant returns (uint256 liquidated) {
        for (uint256 i = 0; i < positionIds.length && gasleft() > BATCH_GAS_RESERVE; ++i) {
            // A call to the engine itself gives each entry its own frame, so any revert in it
            // (closed, healthy again, out of gas, or anything unforeseen) undoes that entry alone.
            uint32 hint = i < hints.length ? hints[i] : 0;
            try ILiquidationModule(address(this)).liquidateFor{gas: gasleft() - BATCH_GAS_RESERVE}(positionIds[i], hint, msg.sender) {
                ++liquidated;
            } catch (bytes memory reason) {
                emit LiquidationSkipped(positionIds[i], reason);
            }
        }
        if (liquidated == 0) revert NothingLiquidated(positionIds.length);
    }

    /// @inheritdoc ILiquidationModule
    /// @dev Not nonReentrant: the batch that calls it holds the engine's lock, and only the engine
    /// itself may call it, so no outside call can enter here.
    function liquidateFor(uint256 positionId, uint32 hint, address keeper) external onlyDelegated {
        if (msg.sender != address(this)) revert OnlyEngine(msg.sender);
        _liquidate(positionId, hint, keeper);
    }

    function _liquidate(uint256 positionId, uint32 hint, address keeper) private {
        Position memory p = _positions[positionId];
        if (p.size == 0) revert PositionNotFound(positionId);
        Position memory before = _positions[positionId];
        MarketConfig memory c = _configs[p.marketId];
        (uint256 price, int256 index) = _priceAndAccrue(p.marketId, c);
        LiquidationMath.Outcome memory o = LiquidationMath.calculate(p, c, price, index, valueDivisor, insuranceFund());
        if (!o.liquidatable) revert NotLiquidatable(positionId, o.health.equity, o.health.maintenanceMargin);
        _moveLiquidationFunds(positionId, keeper, before, p, o);
        emit Liquidated(positionId, keeper, before.marketId, o.closed, price, o.health.equity, o.keeperReward, o.penalty, o.deficit);
        _updateSideTotals(p.marketId, before, p);
        _storePosition(positionId, p, -o.closed, price, 0, hint);
        if (o.uncovered > 0) _coverWithAdl(p.marketId, c, before.size < 0, positionId, o.uncovered, o.bankruptcyPrice);
    }

    /// @dev The keeper's reward and the trader's payout go to free balances, the penalty to the
    /// insurance fund, which pays a bankrupt position's draw; the vault receives the margin the
    /// position gave up and the draw. An uncovered remainder is a loss the vault has taken and ADL
    /// will recover.
    function _moveLiquidationFunds(
        uint256 positionId,
        address keeper,
        Position memory before,
        Position memory afterwards,
        LiquidationMath.Outcome memory o
    ) private {
        _creditFree(keeper, o.keeperReward);
        _creditFree(before.account, o.payout);
        _changeLedgers(
            int256(o.penalty) - int256(o.insuranceDraw),
            int256(uint256(before.margin) + o.insuranceDraw) - int256(uint256(afterwards.margin) + o.keeperReward + o.penalty + o.payout)
        );
        if (o.insuranceDraw > 0) emit InsuranceDrawn(before.marketId, positionId, o.insuranceDraw);
    }
}
