// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {GovernanceModule} from "../../../contracts/modules/GovernanceModule.sol";
import {LiquidationModule} from "../../../contracts/modules/LiquidationModule.sol";
import {ImmediateTradingEngine} from "../../../contracts/test/ImmediateTradingEngine.sol";
import {ImmediateTradingModule} from "../../../contracts/test/ImmediateTradingModule.sol";
import {PerpLens} from "../../../contracts/lens/PerpLens.sol";
import {TestToken} from "../../../contracts/mocks/TestToken.sol";
import {ChainlinkPriceOracle} from "../../../contracts/oracle/ChainlinkPriceOracle.sol";
import {SettableAggregator} from "../../../contracts/oracle/SettableAggregator.sol";
import {MarketConfig, MarketState} from "../../../contracts/types/PerpTypes.sol";
import {LiquidityVault} from "../../../contracts/vault/LiquidityVault.sol";
import {TestMarkets} from "../helpers/TestMarkets.sol";
import {ReferenceMath} from "./ReferenceMath.sol";

/// @title HandlerBase
/// @notice The deployed protocol the handler drives, its accounts and the shared helpers: one
/// market, a vault with LP cash, a seeded insurance fund, a guardian, and the lens keepers use.
abstract contract HandlerBase is Test {
    uint32 internal constant MARKET = 0;
    uint256 internal constant D = 1e30; // the engine's value divisor for a 6-decimal token
    uint256 internal constant HONEST_ACTORS = 5;

    TestToken public token;
    SettableAggregator public feed;
    ImmediateTradingEngine public engine;
    LiquidityVault public vault;
    PerpLens public lens;
    /// @notice Every account that trades: the honest actors first, then the attacker's accounts.
    address[] public actors;
    address public keeper = address(0xBEEF);
    address public lp = address(0x1111);
    address public guardian = address(0x6A4D);
    int256 public answer = 3000e8;

    constructor() {
        token = new TestToken("Test USD", "tUSD", 6);
        feed = new SettableAggregator(8, "ETH / USD", answer);
        engine = new ImmediateTradingEngine(
            token,
            address(this),
            address(new LiquidationModule(token)),
            address(new GovernanceModule(token)),
            address(new ImmediateTradingModule(token))
        );
        vault = new LiquidityVault(token, engine, "V", "V");
        lens = new PerpLens(engine);
        engine.setVault(address(vault));
        engine.setGuardian(guardian);
        ChainlinkPriceOracle oracle = new ChainlinkPriceOracle(
            AggregatorV3Interface(address(feed)),
            1 days,
            AggregatorV3Interface(address(0)),
            0,
            1,
            1e17 // $1e9 with 8 decimals
        );
        engine.listMarket(_config(oracle));
        for (uint256 i = 1; i <= HONEST_ACTORS; ++i) actors.push(address(uint160(0xA000 + i)));
        _fund(lp, 2_000_000e6);
        vm.prank(lp);
        vault.deposit(2_000_000e6, lp);
        // A small fund, so that runs exhaust it and reach ADL debt.
        token.mint(address(this), 5_000e6);
        token.approve(address(engine), type(uint256).max);
        engine.fundInsurance(5_000e6);
    }

    // ─── Views for the invariants ───────────────────────────────────────────────────────────

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    /// @notice The position's health by the reference model, at the oracle price with funding projected to now.
    function referenceHealth(uint256 id) public view returns (ReferenceMath.Health memory) {
        MarketConfig memory c = engine.marketConfig(MARKET);
        uint256 price = _price();
        int256 index = ReferenceMath.fundingIndexAt(c, engine.marketState(MARKET), price, block.timestamp);
        return ReferenceMath.health(engine.position(id), c, price, index, D);
    }

    // ─── Helpers ────────────────────────────────────────────────────────────────────────────

    function _price() internal view returns (uint256) {
        return uint256(answer) * 1e10;
    }

    /// @dev One of the honest actors.
    function _actor(uint256 seed) internal view returns (address) {
        return actors[seed % HONEST_ACTORS];
    }

    /// @dev Any account, the attacker's included.
    function _anyAccount(uint256 seed) internal view returns (address) {
        return actors[seed % actors.length];
    }

    function _owesAdlDebt(bool isLong) internal view returns (bool) {
        MarketState memory s = engine.marketState(MARKET);
        return (isLong ? s.longAdlDebt : s.shortAdlDebt) > 0;
    }

    /// @dev Mints `amount` to `who` and deposits it as free balance.
    function _deposit(address who, uint256 amount) internal {
        _fund(who, amount);
        vm.prank(who);
        engine.deposit(amount);
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
        // The attacker's bucket-edge trap and ReferenceMath price a fill at the oracle plus the
        // fee; price impact has its exact tests in test/flows/orders-impact.test.ts.
        c.impactSkewScale = 0;
    }
}
