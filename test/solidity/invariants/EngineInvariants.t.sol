// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";
import {PerpEngine} from "../../../contracts/core/PerpEngine.sol";
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
contract EngineInvariants is Test {
    EngineHandler internal handler;
    PerpEngine internal engine;

    function setUp() public {
        handler = new EngineHandler();
        engine = handler.engine();
        targetContract(address(handler));
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
}
