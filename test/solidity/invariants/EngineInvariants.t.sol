// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";
import {PerpEngine} from "../../../contracts/core/PerpEngine.sol";
import {AdlGrid} from "../../../contracts/adl/AdlGrid.sol";
import {AdlQueue, QueueNode} from "../../../contracts/adl/AdlQueue.sol";
import {Position, MarketState} from "../../../contracts/types/PerpTypes.sol";
import {EngineHandler} from "./EngineHandler.sol";

/// @title Engine invariants
/// @notice Every invariant of the protocol core, one id and one sentence each:
/// - INV-1 Solvency: the engine's token balance equals free balances + position margins +
///         insurance fund + vault cash (and so is never below what it owes).
/// - INV-2 Open interest: per side, the sum of open position sizes equals the market's open
///         interest, and the sum of |size| * (entry - fundingSnapshot) equals its tracked total.
/// - INV-3 Insurance: the fund never goes negative and only bankrupt liquidations draw on it.
/// - INV-4 Liquidation happens only below maintenance margin at that price.
/// - INV-5 A partial liquidation leaves the position with a higher margin ratio.
/// - INV-6 No account can withdraw collateral that backs a position's margin.
/// - INV-7 Every risk-increasing action leaves the position at or above initial margin.
/// - INV-8 The vault's cash covers the trader profit it reserves whenever LPs can withdraw.
/// - INV-9 Each ADL queue holds exactly the open positions of its side, each in the bucket its
///         current slope maps to, keyed by its current k.
/// - INV-10 The queue lists are consistent: prev and next links agree, every list is sorted by
///          (k, id) in its side's direction, cached head keys and the non-empty bitmap are right.
/// - INV-11 ADL runs only when the side owes uncovered deficit or its pnl factor is above the maximum.
contract EngineInvariants is Test {
    EngineHandler internal handler;
    PerpEngine internal engine;

    function setUp() public {
        handler = new EngineHandler();
        engine = handler.engine();
        targetContract(address(handler));
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
        handler.liquidate(1);
        assertEq(handler.bankruptLiquidations(), 1);
        assertGt(engine.position(shortId).size, shortSize, "the profitable short was not deleveraged");
        invariant_INV1_solvency();
        invariant_INV2_openInterestMatchesPositions();
        invariant_INV9_queueHoldsExactlyTheOpenPositions();
        invariant_INV10_queueListsConsistent();
    }

    function invariant_INV1_solvency() public view {
        uint256 owed = engine.insuranceFund() + engine.vaultCash() + engine.freeBalance(handler.keeper());
        for (uint256 i = 0; i < handler.actorCount(); ++i) {
            address actor = handler.actors(i);
            owed += engine.freeBalance(actor);
            uint256 id = engine.positionIdOf(actor, 0);
            if (id != 0) owed += engine.position(id).margin;
        }
        assertEq(handler.token().balanceOf(address(engine)), owed);
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
        assertEq(handler.insuranceDrawsOutsideBankruptcy(), 0);
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
