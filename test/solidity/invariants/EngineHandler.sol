// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {GovernanceModule} from "../../../contracts/modules/GovernanceModule.sol";
import {LiquidationModule} from "../../../contracts/modules/LiquidationModule.sol";
import {PerpEngine} from "../../../contracts/core/PerpEngine.sol";
import {FundingLib} from "../../../contracts/libraries/FundingLib.sol";
import {PositionMath} from "../../../contracts/libraries/PositionMath.sol";
import {TestToken} from "../../../contracts/mocks/TestToken.sol";
import {ChainlinkPriceOracle} from "../../../contracts/oracle/ChainlinkPriceOracle.sol";
import {SettableAggregator} from "../../../contracts/oracle/SettableAggregator.sol";
import {MarketConfig, MarketState} from "../../../contracts/types/PerpTypes.sol";
import {LiquidityVault} from "../../../contracts/vault/LiquidityVault.sol";
import {TestMarkets} from "../helpers/TestMarkets.sol";

/// Drives the whole protocol with random users, prices and time, and records every observation
/// that would break an invariant in ghost counters the invariant contract asserts are zero.
contract EngineHandler is Test {
    uint32 internal constant MARKET = 0;
    uint256 internal constant D = 1e30;

    TestToken public token;
    SettableAggregator public feed;
    PerpEngine public engine;
    LiquidityVault public vault;
    address[] public actors;
    address public keeper = address(0xBEEF);
    address public lp = address(0x1111);
    int256 public answer = 3000e8;

    // Ghosts: each counts a violation and must stay zero.
    uint256 public healthyLiquidations;
    uint256 public partialsNotHealthier;
    uint256 public marginWithdrawn;
    uint256 public insuranceDrawsOutsideBankruptcy;
    uint256 public riskyPositionsLeftBelowInitial;
    uint256 public deleveragesWithoutCause;
    // Coverage counters, for the report.
    uint256 public liquidations;
    uint256 public partialLiquidations;
    uint256 public bankruptLiquidations;
    uint256 public deleverages;

    constructor() {
        token = new TestToken("Test USD", "tUSD", 6);
        feed = new SettableAggregator(8, "ETH / USD", answer);
        engine = new PerpEngine(token, address(this), address(new LiquidationModule(token)), address(new GovernanceModule(token)));
        vault = new LiquidityVault(token, engine, "V", "V");
        engine.setVault(address(vault));
        ChainlinkPriceOracle oracle = new ChainlinkPriceOracle(
            AggregatorV3Interface(address(feed)),
            1 days,
            AggregatorV3Interface(address(0)),
            0,
            1,
            1e17 // $1e9 with 8 decimals
        );
        engine.listMarket(_config(oracle));
        for (uint256 i = 1; i <= 5; ++i) actors.push(address(uint160(0xA000 + i)));
        _fund(lp, 2_000_000e6);
        vm.prank(lp);
        vault.deposit(2_000_000e6, lp);
        token.mint(address(this), 20_000e6);
        token.approve(address(engine), type(uint256).max);
        engine.fundInsurance(20_000e6);
    }

    // ─── Actions ────────────────────────────────────────────────────────────────────────────

    function deposit(uint256 actorSeed, uint256 amount) external {
        address actor = _actor(actorSeed);
        amount = bound(amount, 1, 500_000e6);
        _fund(actor, amount);
        vm.prank(actor);
        engine.deposit(amount);
    }

    /// Tries to withdraw up to twice the free balance: any success beyond it took backing margin.
    function withdraw(uint256 actorSeed, uint256 amount) external {
        address actor = _actor(actorSeed);
        uint256 free = engine.freeBalance(actor);
        amount = bound(amount, 1, 2 * free + 1);
        vm.prank(actor);
        try engine.withdraw(amount, actor) {
            if (amount > free) ++marginWithdrawn;
        } catch {}
    }

    function open(uint256 actorSeed, uint256 notionalSeed, uint256 leverageSeed, bool isLong) external {
        address actor = _actor(actorSeed);
        if (engine.positionIdOf(actor, MARKET) != 0) return;
        uint256 notional = bound(notionalSeed, 100e6, 300_000e6);
        uint256 margin = notional / bound(leverageSeed, 1, 25) + 1e6;
        uint256 absSize = (notional * D) / _price();
        if (absSize == 0) return;
        _fund(actor, margin);
        vm.startPrank(actor);
        engine.deposit(margin);
        try
            engine.openPosition(
                MARKET,
                isLong ? int256(absSize) : -int256(absSize),
                margin,
                isLong ? type(uint256).max : 0,
                block.timestamp,
                0
            )
        {
            _checkInitialMargin(actor);
        } catch {}
        vm.stopPrank();
    }

    function modify(uint256 actorSeed, int256 deltaBps) external {
        address actor = _actor(actorSeed);
        uint256 id = engine.positionIdOf(actor, MARKET);
        if (id == 0) return;
        int256 size = engine.position(id).size;
        int256 delta = (size * bound(deltaBps, -9_999, 10_000)) / 10_000;
        if (delta == 0) return;
        vm.prank(actor);
        try engine.modifyPosition(MARKET, delta, delta > 0 ? type(uint256).max : 0, block.timestamp, 0) {
            if (delta * size > 0) _checkInitialMargin(actor);
        } catch {}
    }

    function close(uint256 actorSeed) external {
        address actor = _actor(actorSeed);
        if (engine.positionIdOf(actor, MARKET) == 0) return;
        vm.prank(actor);
        try engine.closePosition(MARKET, 0, block.timestamp) {} catch {}
    }

    function addMargin(uint256 actorSeed, uint256 amount) external {
        address actor = _actor(actorSeed);
        if (engine.positionIdOf(actor, MARKET) == 0) return;
        amount = bound(amount, 1, 50_000e6);
        _fund(actor, amount);
        vm.startPrank(actor);
        engine.deposit(amount);
        engine.addMargin(MARKET, amount, 0);
        vm.stopPrank();
    }

    function removeMargin(uint256 actorSeed, uint256 amount) external {
        address actor = _actor(actorSeed);
        uint256 id = engine.positionIdOf(actor, MARKET);
        if (id == 0) return;
        amount = bound(amount, 1, engine.position(id).margin);
        vm.prank(actor);
        try engine.removeMargin(MARKET, amount, block.timestamp, 0) {
            _checkInitialMargin(actor);
        } catch {}
    }

    /// Moves the price by up to ±15% (jumps included), within [300, 30,000].
    function movePrice(int256 moveBps) external {
        moveBps = bound(moveBps, -1_500, 1_500);
        int256 next = (answer * (10_000 + moveBps)) / 10_000;
        if (next < 300e8) next = 300e8;
        if (next > 30_000e8) next = 30_000e8;
        answer = next;
        feed.setAnswer(next);
    }

    function warp(uint256 secondsAhead) external {
        vm.warp(block.timestamp + bound(secondsAhead, 1, 3 days));
        feed.setAnswer(answer); // keeps the feed within its heartbeat
    }

    function liquidate(uint256 actorSeed) external {
        address actor = _actor(actorSeed);
        uint256 id = engine.positionIdOf(actor, MARKET);
        if (id == 0) return;
        (PositionMath.Health memory before, ) = _health(id);
        uint256 insuranceBefore = engine.insuranceFund();
        vm.prank(keeper);
        try engine.liquidate(id, 0) {
            ++liquidations;
            if (!PositionMath.isLiquidatable(before)) ++healthyLiquidations;
            if (before.equity < 0) ++bankruptLiquidations;
            else if (engine.insuranceFund() < insuranceBefore) ++insuranceDrawsOutsideBankruptcy;
            if (engine.position(id).size != 0) {
                ++partialLiquidations;
                (PositionMath.Health memory afterwards, ) = _health(id);
                bool healthier =
                    afterwards.equity > 0 &&
                        uint256(afterwards.equity) * before.maintenanceMargin > uint256(before.equity) * afterwards.maintenanceMargin;
                if (!healthier) ++partialsNotHealthier;
            }
        } catch {}
    }

    /// Calls deleverage on a side for up to `fills` fills. It must succeed only when the side owes
    /// ADL debt or its pnl factor is above the maximum.
    function deleverage(bool isLong, uint256 fills) external {
        fills = bound(fills, 1, 8);
        MarketState memory s = engine.marketState(MARKET);
        bool owesDebt = (isLong ? s.longAdlDebt : s.shortAdlDebt) > 0;
        bool overThreshold = engine.pnlFactor(MARKET, isLong) > engine.marketConfig(MARKET).maxPnlFactor;
        vm.prank(keeper);
        try engine.deleverage(MARKET, isLong, fills, 0, 0) {
            ++deleverages;
            if (!owesDebt && !overThreshold) ++deleveragesWithoutCause;
        } catch {}
    }

    function lpDeposit(uint256 amount) external {
        amount = bound(amount, 1e6, 500_000e6);
        _fund(lp, amount);
        vm.prank(lp);
        try vault.deposit(amount, lp) {} catch {}
    }

    function lpWithdraw(uint256 amount) external {
        uint256 max = vault.maxWithdraw(lp);
        if (max == 0) return;
        amount = bound(amount, 1, max);
        vm.prank(lp);
        try vault.withdraw(amount, lp, lp) {} catch {}
    }

    // ─── Views for the invariants ───────────────────────────────────────────────────────────

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    /// The position's health at the current price, with funding projected to now.
    function _health(uint256 id) internal view returns (PositionMath.Health memory h, uint256 price) {
        MarketConfig memory c = engine.marketConfig(MARKET);
        MarketState memory s = engine.marketState(MARKET);
        price = _price();
        (int256 index, ) = FundingLib.indexAt(c, s.fundingIndex, s.lastFundingTime, s.longSize, s.shortSize, price, block.timestamp);
        h = PositionMath.health(engine.position(id), c, price, index, D);
    }

    function _checkInitialMargin(address actor) internal {
        (PositionMath.Health memory h, ) = _health(engine.positionIdOf(actor, MARKET));
        if (h.equity < int256(h.initialMargin)) ++riskyPositionsLeftBelowInitial;
    }

    function _price() internal view returns (uint256) {
        return uint256(answer) * 1e10;
    }

    function _actor(uint256 seed) internal view returns (address) {
        return actors[seed % actors.length];
    }

    function _fund(address who, uint256 amount) internal {
        token.mint(who, amount);
        vm.startPrank(who);
        token.approve(address(engine), type(uint256).max);
        token.approve(address(vault), type(uint256).max);
        vm.stopPrank();
    }

    /// Tighter caps, chunks and skew scale than the defaults, and a 10x faster funding rate, so a
    /// short run reaches chunked liquidations and funding-driven insolvency.
    function _config(ChainlinkPriceOracle oracle) internal pure returns (MarketConfig memory c) {
        c = TestMarkets.defaultConfig(oracle);
        c.maxLiquidationNotional = 100_000e6;
        c.maxLongSize = 1_000e18;
        c.maxShortSize = 1_000e18;
        c.maxFundingRatePerSecond = uint64(uint256(0.01e18) / 3600);
        c.skewScale = 100e18;
        c.maxPnlFactor = 0.02e18; // low, so pool-protection ADL triggers within a short run
        c.targetPnlFactor = 0.01e18;
    }
}
