// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";
import {ImmediateTradingEngine} from "../../../contracts/test/ImmediateTradingEngine.sol";
import {AdlGrid} from "../../../contracts/adl/AdlGrid.sol";
import {AdlQueue, QueueNode} from "../../../contracts/adl/AdlQueue.sol";
import {MarketState, Order, Position} from "../../../contracts/types/PerpTypes.sol";
import {EngineHandler} from "./EngineHandler.sol";
import {ReferenceMath} from "./ReferenceMath.sol";

/// @title Engine invariants
/// @notice Every invariant of the protocol core, one id and one sentence each:
/// - INV-1 Solvency: the engine's token balance equals free balances + position margins +
///         insurance fund + vault cash (and so is never below what it owes).
/// - INV-2 Open interest: per side, the sum of open position sizes equals the market's open
///         interest, and the sum of |size| * (entry - fundingSnapshot) equals its tracked total.
/// - INV-3 Insurance: the fund never goes negative and only bankrupt liquidations draw on it. Every
///         call's change of the fund equals its fee shares plus penalties minus its draws exactly
///         (each penalty at most the penalty rate), so a draw cannot hide behind a penalty.
/// - INV-4 Liquidation happens only below maintenance margin at that price, by the reference model.
/// - INV-5 A partial liquidation leaves the position with a higher margin ratio.
/// - INV-6 No account can withdraw collateral that backs a position's margin.
/// - INV-7 Every risk-increasing action leaves the position at or above initial margin, by the
///         reference model (ReferenceMath: never the engine's own health code).
/// - INV-8 The vault's cash covers the trader profit it reserves whenever LPs can withdraw.
/// - INV-9 Each ADL queue holds exactly the open positions of its side, each in the bucket its
///         current slope maps to, keyed by its current k.
/// - INV-10 The queue lists are consistent: prev and next links agree, every list is sorted by
///          (k, id) in its side's direction, cached head keys and the non-empty bitmap are right.
/// - INV-11 ADL runs only when the side owes uncovered deficit or its pnl factor is above the maximum.
/// - INV-12 Liveness of liquidation: at every step, every position the reference model finds
///          liquidatable is liquidated by a fresh caller with hint 0, and ends closed, no longer
///          liquidatable, or cut by exactly one chunk (checked on a snapshot, then reverted).
/// - INV-13 Liveness of ADL: while a side owes ADL debt, `deleverage` by a fresh caller (16 fills at
///          most; the engine picks each counterparty on-chain) succeeds and the debt strictly falls
///          (filled or borne by the vault) (checked on a snapshot, then reverted).
/// - INV-14 ADL debt is exact: per side, the debt ever added equals the haircuts taken plus what
///          the vault bore plus the debt outstanding.
/// - INV-15 The pause stops only new risk: while paused, closes, reductions, liquidations and
///          deleverages do exactly what they would do unpaused; no open, increase or margin
///          removal succeeds.
/// - INV-16 A hint only saves gas: a stale, griefed or meaningless hint never makes a call revert
///          or do anything else than it does with hint 0.
contract EngineInvariants is Test {
    /// @dev Has never held a balance or position: liquidation and ADL must be open to anyone.
    address internal constant FRESH_CALLER = address(uint160(uint256(keccak256("fresh caller"))));

    EngineHandler internal handler;
    ImmediateTradingEngine internal engine;

    function setUp() public {
        handler = new EngineHandler();
        engine = handler.engine();
        targetContract(address(handler));
    }

    /// The handler's orders reach both ends: one filled at a later round, one cancelled by its owner,
    /// with the escrow ledger back at zero. Guards against order actions that silently never land.
    function test_handlerExecutesAndCancelsOrders() public {
        handler.placeOrder(1, 30_000e6, 5, true, false);
        handler.placeOrder(2, 30_000e6, 5, false, false);
        assertEq(handler.pendingOrderCount(), 2, "orders not placed");
        handler.executeOrder(0);
        assertEq(handler.ordersExecuted(), 1, "order not executed");
        assertTrue(engine.positionIdOf(handler.actors(1), 0) != 0, "no position from the order");
        handler.cancelOrder(0);
        assertEq(handler.ordersCancelled(), 1, "order not cancelled");
        assertEq(engine.orderEscrow(), 0);
        invariant_INV1_solvency();
        invariant_INV17_orderEscrowMatchesPendingOrders();
    }

    /// The handler can reach the bad-debt path: a 20x long bankrupted by two gaps, with a profitable
    /// short to deleverage. Guards against a handler that silently never exercises ADL.
    function test_handlerReachesBankruptcyAndAdl() public {
        handler.open(1, 90_000e6, 19, true);
        handler.open(2, 50_000e6, 2, false);
        handler.movePrice(-1_500);
        handler.movePrice(-1_500);
        uint256 shortId = engine.positionIdOf(handler.actors(2), 0);
        int256 shortSize = engine.position(shortId).size;
        handler.liquidate(0); // seed 0: the keeper scans for the liquidatable position
        assertEq(handler.bankruptLiquidations(), 1);
        assertGt(engine.position(shortId).size, shortSize, "the profitable short was not deleveraged");
        invariant_INV1_solvency();
        invariant_INV2_openInterestMatchesPositions();
        invariant_INV9_queueHoldsExactlyTheOpenPositions();
        invariant_INV10_queueListsConsistent();
    }

    /// The attacker builds the trap of issue 7 (a position exactly on its bucket's lower edge, dust in
    /// the bucket below); a bankrupt short then leaves debt the trap's side owes. Liquidation and
    /// deleverage must stay live and the debt exact. Guards against an attacker that never builds it.
    function test_attackerBuildsTheBucketEdgeTrap() public {
        handler.openOnBucketEdge(5_000e6, 10, 3, true);
        assertEq(handler.edgePositionsOpened(), 1, "trap not opened");
        assertEq(handler.dustOpened(), 3, "dust not opened");
        uint256 trap = engine.positionIdOf(handler.actors(5), 0);
        Position memory p = engine.position(trap);
        uint16 bucket = engine.queueNode(trap).bucket;
        assertEq(AdlGrid.slope(uint256(int256(p.size)), p.margin, 1e30), AdlGrid.edge(bucket), "slope not on the lower edge");
        for (uint256 i = 6; i < 9; ++i) {
            assertEq(engine.queueNode(engine.positionIdOf(handler.actors(i), 0)).bucket, bucket - 1, "dust not in the bucket below");
        }
        handler.open(1, 90_000e6, 19, false);
        handler.movePrice(1_500);
        handler.movePrice(1_500);
        invariant_INV12_everyLiquidatablePositionCanBeLiquidated();
        handler.liquidate(0); // seed 0: the keeper scans for the liquidatable position
        assertEq(handler.bankruptLiquidations(), 1, "the short was not liquidated as bankrupt");
        assertGt(handler.haircutsTaken(1), 0, "no long was deleveraged");
        invariant_INV3_insuranceOnlyDrawnByBankruptcy();
        invariant_INV9_queueHoldsExactlyTheOpenPositions();
        invariant_INV10_queueListsConsistent();
        invariant_INV13_deleverageMakesProgress();
        invariant_INV14_adlHaircutsSumToTheDebt();
    }

    /// Attack 2 of issue 7: minimum-size positions at the top of the long ranking take a bankrupt
    /// short's eight inline ADL fills and pay almost nothing, leaving debt. `deleverage` must still
    /// make progress (INV-13), with the debt ledger exact (INV-14).
    function test_attackerTakesTheInlineFills() public {
        handler.stuffTop(8, true); // exactly the eight inline fills: the honest long pays the rest in one deleverage fill
        assertEq(handler.dustOpened(), 8, "dust not opened");
        handler.open(2, 300_000e6, 3, true); // an honest long whose profit covers the rest
        handler.open(1, 90_000e6, 19, false);
        handler.movePrice(1_500);
        handler.movePrice(1_500);
        handler.liquidate(0); // seed 0: the keeper scans for the liquidatable position
        assertEq(handler.bankruptLiquidations(), 1, "the short was not liquidated as bankrupt");
        assertGt(_debt(true), 0, "the inline fills paid the whole debt: the attack was not built");
        invariant_INV13_deleverageMakesProgress();
        invariant_INV14_adlHaircutsSumToTheDebt();
        handler.deleverage(true, 12);
        assertEq(handler.deleverages(), 1, "the keeper's deleverage failed");
        invariant_INV14_adlHaircutsSumToTheDebt();
        invariant_INV3_insuranceOnlyDrawnByBankruptcy();
    }

    function invariant_INV1_solvency() public view {
        uint256 owed = engine.insuranceFund() + engine.vaultCash() + engine.orderEscrow() + engine.freeBalance(handler.keeper());
        for (uint256 i = 0; i < handler.actorCount(); ++i) {
            address actor = handler.actors(i);
            owed += engine.freeBalance(actor);
            uint256 id = engine.positionIdOf(actor, 0);
            if (id != 0) owed += engine.position(id).margin;
        }
        assertEq(handler.token().balanceOf(address(engine)), owed);
    }

    /// The escrow ledger is exactly what the pending orders hold: margin in plus execution fee.
    function invariant_INV17_orderEscrowMatchesPendingOrders() public view {
        uint256 held;
        for (uint256 i = 0; i < handler.pendingOrderCount(); ++i) {
            Order memory o = engine.order(handler.pendingOrders(i));
            assertTrue(o.account != address(0), "an order the handler holds pending is gone");
            held += uint256(o.marginIn) + o.executionFee;
        }
        assertEq(engine.orderEscrow(), held);
    }

    function invariant_INV2_openInterestMatchesPositions() public view {
        uint256 longs;
        uint256 shorts;
        int256 longSizeK;
        int256 shortSizeK;
        for (uint256 i = 0; i < handler.actorCount(); ++i) {
            uint256 id = engine.positionIdOf(handler.actors(i), 0);
            if (id == 0) continue;
            Position memory p = engine.position(id);
            int256 k = int256(uint256(p.entryPrice)) - p.fundingSnapshot;
            if (p.size > 0) {
                longs += uint256(int256(p.size));
                longSizeK += int256(p.size) * k;
            } else {
                shorts += uint256(-int256(p.size));
                shortSizeK += -int256(p.size) * k;
            }
        }
        MarketState memory s = engine.marketState(0);
        assertEq(s.longSize, longs);
        assertEq(s.shortSize, shorts);
        assertEq(s.longSizeK, longSizeK);
        assertEq(s.shortSizeK, shortSizeK);
    }

    function invariant_INV3_insuranceOnlyDrawnByBankruptcy() public view {
        assertEq(handler.insuranceDrawsOutsideBankruptcy(), 0, "insurance drawn outside a bankrupt liquidation");
        assertEq(handler.insuranceChangesUnexplained(), 0, "fund change is not fee shares + penalties - draws");
        assertEq(handler.penaltiesAboveRate(), 0, "penalty above the penalty rate");
        assertLe(engine.insuranceFund(), handler.token().balanceOf(address(engine)));
    }

    function invariant_INV4_liquidationOnlyBelowMaintenance() public view {
        assertEq(handler.healthyLiquidations(), 0);
    }

    function invariant_INV5_partialLiquidationImprovesHealth() public view {
        assertEq(handler.partialsNotHealthier(), 0);
    }

    function invariant_INV6_marginCannotBeWithdrawn() public view {
        assertEq(handler.marginWithdrawn(), 0);
    }

    function invariant_INV7_newRiskMeetsInitialMargin() public view {
        assertEq(handler.riskyPositionsLeftBelowInitial(), 0);
    }

    function invariant_INV8_reserveCoveredWhenLpsCanWithdraw() public view {
        if (handler.vault().maxWithdraw(handler.lp()) > 0) {
            assertGe(engine.vaultCash(), engine.reservedTraderProfit());
        }
    }

    /// The engine stores only a position's links; queueNode derives bucket, side and key from the
    /// position itself. So membership is what is checked: walking the lists finds every open
    /// position exactly once, each in the list of the bucket its current slope maps to.
    function invariant_INV9_queueHoldsExactlyTheOpenPositions() public view {
        uint256[2] memory open;
        for (uint256 i = 0; i < handler.actorCount(); ++i) {
            uint256 id = engine.positionIdOf(handler.actors(i), 0);
            if (id == 0) continue;
            ++open[engine.position(id).size > 0 ? 1 : 0];
        }
        assertEq(_walkSide(false), open[0], "short queue size");
        assertEq(_walkSide(true), open[1], "long queue size");
    }

    function invariant_INV10_queueListsConsistent() public view {
        _walkSide(true);
        _walkSide(false);
    }

    function invariant_INV11_adlOnlyWithCause() public view {
        assertEq(handler.deleveragesWithoutCause(), 0);
    }

    function invariant_INV12_everyLiquidatablePositionCanBeLiquidated() public {
        for (uint256 i = 0; i < handler.actorCount(); ++i) {
            uint256 id = engine.positionIdOf(handler.actors(i), 0);
            if (id == 0 || !handler.referenceHealth(id).liquidatable) continue;
            uint256 sizeBefore = _abs(engine.position(id).size);
            uint256 snapshot = vm.snapshotState();
            vm.prank(FRESH_CALLER);
            (bool ok, bytes memory reason) = address(engine).call(abi.encodeCall(engine.liquidate, (id, 0)));
            if (!ok) emit log_named_bytes("liquidate reverted with", reason);
            assertTrue(ok, "a liquidatable position could not be liquidated with hint 0");
            uint256 sizeAfter = _abs(engine.position(id).size);
            if (sizeAfter != 0 && handler.referenceHealth(id).liquidatable) {
                // Only the chunk cap may leave it liquidatable: one call closes one chunk.
                uint256 chunk = (uint256(engine.marketConfig(0).maxLiquidationNotional) * 1e30) / (uint256(handler.answer()) * 1e10);
                assertEq(sizeBefore - sizeAfter, chunk, "still liquidatable after a cut smaller than a chunk");
            }
            vm.revertToState(snapshot);
        }
    }

    function invariant_INV13_deleverageMakesProgress() public {
        for (uint256 side = 0; side < 2; ++side) {
            bool isLong = side == 1;
            uint256 debt = _debt(isLong);
            if (debt == 0) continue;
            uint256 snapshot = vm.snapshotState();
            vm.prank(FRESH_CALLER);
            (bool ok, bytes memory reason) = address(engine).call(abi.encodeCall(engine.deleverage, (0, isLong, 16, 0, 0)));
            if (!ok) emit log_named_bytes("deleverage reverted with", reason);
            assertTrue(ok, "deleverage reverted while debt is owed");
            assertLt(_debt(isLong), debt, "deleverage made no progress on the debt");
            vm.revertToState(snapshot);
        }
    }

    function invariant_INV14_adlHaircutsSumToTheDebt() public view {
        for (uint256 side = 0; side < 2; ++side) {
            assertEq(
                handler.debtAdded(side),
                handler.haircutsTaken(side) + handler.debtBorneByVault(side) + _debt(side == 1),
                "debt added != haircuts + borne by the vault + outstanding"
            );
        }
    }

    function invariant_INV15_pauseStopsOnlyNewRisk() public view {
        assertEq(handler.pauseChangedOutcome(), 0, "the pause changed an exit's outcome");
        assertEq(handler.riskTakenWhilePaused(), 0, "new risk taken while paused");
    }

    function invariant_INV16_hintsOnlySaveGas() public view {
        assertEq(handler.staleHintReverts(), 0, "a front-run hint made addMargin revert");
        assertEq(handler.hintChangedOutcome(), 0, "a stale hint changed a call's outcome");
    }

    function _debt(bool isLong) private view returns (uint256) {
        MarketState memory s = engine.marketState(0);
        return isLong ? s.longAdlDebt : s.shortAdlDebt;
    }

    function _abs(int256 x) private pure returns (uint256) {
        return x >= 0 ? uint256(x) : uint256(-x);
    }

    /// Walks every bucket of a side, asserting links, order, membership, bucket and bitmap; returns the member count.
    function _walkSide(bool isLong) private view returns (uint256 members) {
        uint256[4] memory nonEmpty = engine.queueBuckets(0, isLong);
        for (uint256 b = 0; b < AdlGrid.BUCKET_COUNT; ++b) {
            bool set = (nonEmpty[b >> 8] >> (b & 255)) & 1 == 1;
            uint32 head = engine.queueHead(0, isLong, uint16(b));
            assertEq(set, head != 0, "bitmap disagrees with head");
            uint32 prev;
            int128 prevK;
            for (uint32 id = head; id != 0;) {
                QueueNode memory node = engine.queueNode(id);
                assertTrue(node.queued, "closed position still linked");
                assertEq(node.prev, prev, "prev link");
                assertEq(node.bucket, b, "member of another bucket");
                assertEq(node.isLong, isLong, "member of the other side");
                if (prev != 0) assertTrue(AdlQueue.ranksBefore(prevK, prev, node.k, id, isLong), "list not sorted");
                (prev, prevK) = (id, node.k);
                id = node.next;
                ++members;
            }
        }
    }
}
