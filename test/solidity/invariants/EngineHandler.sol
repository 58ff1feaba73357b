// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Position} from "../../../contracts/types/PerpTypes.sol";
import {OrderActions} from "./OrderActions.sol";
import {ReferenceMath} from "./ReferenceMath.sol";

/// @title EngineHandler
/// @notice Drives the whole protocol with honest users, a keeper, an LP, a guardian who pauses,
/// random prices and time, the attacker of AttackerActions, and two-step orders (OrderActions). Every observation that would break
/// an invariant is counted in a ghost the invariant contract asserts is zero. Health is judged by
/// ReferenceMath, never by the engine's own health code.
contract EngineHandler is OrderActions {
    // Ghosts: each counts a violation and must stay zero.
    uint256 public healthyLiquidations;
    uint256 public partialsNotHealthier;
    uint256 public marginWithdrawn;
    uint256 public riskyPositionsLeftBelowInitial;
    uint256 public deleveragesWithoutCause;
    // Coverage counters, for the report.
    uint256 public liquidations;
    uint256 public partialLiquidations;
    uint256 public bankruptLiquidations;
    uint256 public deleverages;
    uint256 public pauses;
    /// @notice Handler steps left before the guardian lifts its pause.
    uint256 public pausedStepsLeft;

    /// @dev Counts down the guardian's pause: it lasts a few steps, so most of a run is unpaused.
    modifier step() {
        if (pausedStepsLeft > 0 && --pausedStepsLeft == 0) {
            vm.prank(guardian);
            engine.setRiskPaused(false);
        }
        _;
    }

    // ─── Traders ────────────────────────────────────────────────────────────────────────────

    function deposit(uint256 actorSeed, uint256 amount) external step {
        _deposit(_actor(actorSeed), bound(amount, 1, 500_000e6));
    }

    /// Tries to withdraw up to twice the free balance: any success beyond it took backing margin.
    function withdraw(uint256 actorSeed, uint256 amount) external step {
        address actor = _actor(actorSeed);
        uint256 free = engine.freeBalance(actor);
        amount = bound(amount, 1, 2 * free + 1);
        vm.prank(actor);
        try engine.withdraw(amount, actor) {
            if (amount > free) ++marginWithdrawn;
        } catch {}
    }

    function open(uint256 actorSeed, uint256 notionalSeed, uint256 leverageSeed, bool isLong) external step {
        address actor = _actor(actorSeed);
        if (engine.positionIdOf(actor, MARKET) != 0) return;
        uint256 notional = bound(notionalSeed, 100e6, 300_000e6);
        uint256 margin = notional / bound(leverageSeed, 1, 25) + 1e6;
        uint256 absSize = (notional * D) / _price();
        if (absSize == 0) return;
        _deposit(actor, margin);
        int256 size = isLong ? int256(absSize) : -int256(absSize);
        bytes memory data = abi.encodeCall(engine.openPosition, (MARKET, size, margin, isLong ? type(uint256).max : 0, block.timestamp, 0));
        if (_riskCall(actor, data)) _checkInitialMargin(actor);
    }

    /// Increases (new risk) or reduces (an exit, which the pause must not block) a position.
    function modify(uint256 actorSeed, int256 deltaBps) external step {
        address actor = _actor(actorSeed);
        uint256 id = engine.positionIdOf(actor, MARKET);
        if (id == 0) return;
        int256 size = engine.position(id).size;
        int256 delta = (size * bound(deltaBps, -9_999, 10_000)) / 10_000;
        if (delta == 0) return;
        bytes memory data = abi.encodeCall(engine.modifyPosition, (MARKET, delta, delta > 0 ? type(uint256).max : 0, block.timestamp, 0));
        if (delta * size > 0) {
            if (_riskCall(actor, data)) _checkInitialMargin(actor);
        } else {
            _exitCall(actor, data, 0);
        }
    }

    function close(uint256 actorSeed) external step {
        address actor = _actor(actorSeed);
        if (engine.positionIdOf(actor, MARKET) == 0) return;
        _exitCall(actor, abi.encodeCall(engine.closePosition, (MARKET, 0, block.timestamp)), 0);
    }

    function addMargin(uint256 actorSeed, uint256 amount) external step {
        address actor = _actor(actorSeed);
        if (engine.positionIdOf(actor, MARKET) == 0) return;
        amount = bound(amount, 1, 50_000e6);
        _deposit(actor, amount);
        vm.prank(actor);
        engine.addMargin(MARKET, amount, 0);
    }

    function removeMargin(uint256 actorSeed, uint256 amount) external step {
        address actor = _actor(actorSeed);
        uint256 id = engine.positionIdOf(actor, MARKET);
        if (id == 0) return;
        amount = bound(amount, 1, engine.position(id).margin);
        if (_riskCall(actor, abi.encodeCall(engine.removeMargin, (MARKET, amount, block.timestamp, 0)))) _checkInitialMargin(actor);
    }

    // ─── Market ─────────────────────────────────────────────────────────────────────────────

    /// Moves the price by up to ±15% (jumps included), within [300, 30,000].
    function movePrice(int256 moveBps) external step {
        moveBps = bound(moveBps, -1_500, 1_500);
        int256 next = (answer * (10_000 + moveBps)) / 10_000;
        if (next < 300e8) next = 300e8;
        if (next > 30_000e8) next = 30_000e8;
        answer = next;
        feed.setAnswer(next);
    }

    /// Moves the price to where a position's equity is at (or a rounding step above) its maintenance
    /// margin: the boundary where `<` and `<=` differ, which random jumps almost never hit. Solves
    /// margin + size * (P - entry') = |size| * P * rate for P (entry' = entry + funding since the
    /// snapshot), then keeps the feed answer within one unit that leaves the position healthy.
    function movePriceToMaintenance(uint256 accountSeed) external step {
        uint256 id = engine.positionIdOf(_anyAccount(accountSeed), MARKET);
        if (id == 0) return;
        Position memory p = engine.position(id);
        ReferenceMath.Health memory h = referenceHealth(id);
        int256 rate = int256(ReferenceMath.WAD * h.maintenanceMargin) / int256(h.notional);
        int256 index = ReferenceMath.fundingIndexAt(engine.marketConfig(MARKET), engine.marketState(MARKET), _price(), block.timestamp);
        int256 adjustedEntry = int256(uint256(p.entryPrice)) + index - p.fundingSnapshot;
        int256 absSize = p.size > 0 ? int256(p.size) : -int256(p.size);
        int256 cushion = (int256(uint256(p.margin)) * int256(D)) / absSize;
        int256 wad = int256(ReferenceMath.WAD);
        int256 target = p.size > 0 ? ((adjustedEntry - cushion) * wad) / (wad - rate) : ((adjustedEntry + cushion) * wad) / (wad + rate);
        int256 next = target / 1e10;
        if (next < 300e8 || next > 30_000e8) return;
        for (int256 nudge = -1; nudge <= 1; ++nudge) {
            answer = next + (p.size > 0 ? -nudge : nudge);
            feed.setAnswer(answer);
            if (!referenceHealth(id).liquidatable) return;
        }
    }

    function warp(uint256 secondsAhead) external step {
        vm.warp(block.timestamp + bound(secondsAhead, 1, 3 days));
        feed.setAnswer(answer); // keeps the feed within its heartbeat
    }

    // ─── Keeper ─────────────────────────────────────────────────────────────────────────────

    /// Liquidates a position with hint 0, judging it by the reference model before and after. The
    /// keeper scans for a liquidatable position, as a real one does (among many attacker accounts a
    /// random pick rarely finds one), tries the healthy position closest to maintenance (which must
    /// fail, INV-4, at the boundary where a wrong comparison shows), or tries any position.
    function liquidate(uint256 accountSeed) external step {
        uint256 mode = accountSeed % 3;
        uint256 id =
            mode == 0
                ? _findLiquidatable(accountSeed)
                : mode == 1
                    ? _riskiestHealthy()
                    : 0;
        if (id == 0) id = engine.positionIdOf(_anyAccount(accountSeed), MARKET);
        if (id == 0) return;
        ReferenceMath.Health memory before = referenceHealth(id);
        // Equity at or below zero by the model: the engine's two roundings (funding, then pnl) can
        // leave an atom of deficit at a modelled equity of exactly zero.
        bool bankrupt = before.equity <= 0;
        (bool ok, ) = _exitCall(keeper, abi.encodeCall(engine.liquidate, (id, 0)), bankrupt ? id : 0);
        if (!ok) return;
        ++liquidations;
        if (!before.liquidatable) ++healthyLiquidations;
        if (bankrupt) ++bankruptLiquidations;
        if (engine.position(id).size != 0) {
            ++partialLiquidations;
            ReferenceMath.Health memory afterwards = referenceHealth(id);
            bool healthier =
                afterwards.equity > 0 &&
                    uint256(afterwards.equity) * before.maintenanceMargin > uint256(before.equity) * afterwards.maintenanceMargin;
            if (!healthier) ++partialsNotHealthier;
        }
    }

    /// Deleverages a side for up to a dozen fills, as a keeper does. It must succeed only when the
    /// side owes ADL debt or its pnl factor is above the maximum.
    function deleverage(bool isLong, uint256 limitSeed) external step {
        bool owesDebt = _owesAdlDebt(isLong);
        bool overThreshold = engine.pnlFactor(MARKET, isLong) > engine.marketConfig(MARKET).maxPnlFactor;
        uint256 maxFills = bound(limitSeed, 1, 12);
        (bool ok, ) = _exitCall(keeper, abi.encodeCall(engine.deleverage, (MARKET, isLong, maxFills, 0, 0)), 0);
        if (!ok) return;
        ++deleverages;
        if (!owesDebt && !overThreshold) ++deleveragesWithoutCause;
    }

    // ─── Guardian and LP ────────────────────────────────────────────────────────────────────

    /// The guardian pauses new risk for a few steps; exits are compared with their unpaused outcome.
    function guardianPause(uint256 stepsSeed) external step {
        vm.prank(guardian);
        engine.setRiskPaused(true);
        pausedStepsLeft = bound(stepsSeed, 1, 6);
        ++pauses;
    }

    function lpDeposit(uint256 amount) external step {
        amount = bound(amount, 1e6, 500_000e6);
        _fund(lp, amount);
        vm.prank(lp);
        try vault.deposit(amount, lp) {} catch {}
    }

    function lpWithdraw(uint256 amount) external step {
        uint256 max = vault.maxWithdraw(lp);
        if (max == 0) return;
        amount = bound(amount, 1, max);
        vm.prank(lp);
        try vault.withdraw(amount, lp, lp) {} catch {}
    }

    // ─── Checks ─────────────────────────────────────────────────────────────────────────────

    /// @dev The first position from the seed's account whose reference health is liquidatable, or 0.
    function _findLiquidatable(uint256 seed) private view returns (uint256) {
        for (uint256 i = 0; i < actors.length; ++i) {
            uint256 id = engine.positionIdOf(actors[(seed + i) % actors.length], MARKET);
            if (id != 0 && referenceHealth(id).liquidatable) return id;
        }
        return 0;
    }

    /// @dev The healthy position with the lowest equity / maintenance margin by the reference model, or 0.
    function _riskiestHealthy() private view returns (uint256 riskiest) {
        ReferenceMath.Health memory worst;
        for (uint256 i = 0; i < actors.length; ++i) {
            uint256 id = engine.positionIdOf(actors[i], MARKET);
            if (id == 0) continue;
            ReferenceMath.Health memory h = referenceHealth(id);
            if (h.liquidatable) continue;
            // equity / mm < worst.equity / worst.mm, cross-multiplied (healthy equity is positive)
            if (riskiest == 0 || uint256(h.equity) * worst.maintenanceMargin < uint256(worst.equity) * h.maintenanceMargin) {
                (riskiest, worst) = (id, h);
            }
        }
    }

    function _checkInitialMargin(address actor) internal {
        ReferenceMath.Health memory h = referenceHealth(engine.positionIdOf(actor, MARKET));
        if (h.equity < int256(h.initialMargin)) ++riskyPositionsLeftBelowInitial;
    }
}
