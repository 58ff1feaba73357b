// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";
import {IPriceOracle} from "../../contracts/interfaces/IPriceOracle.sol";
import {FundingLib} from "../../contracts/libraries/FundingLib.sol";
import {PerpMath} from "../../contracts/libraries/PerpMath.sol";
import {PositionMath} from "../../contracts/libraries/PositionMath.sol";
import {MarketConfig, Position, RiskTier} from "../../contracts/types/PerpTypes.sol";
import {TestMarkets} from "./helpers/TestMarkets.sol";

/// Fuzzed properties of margin, funding and liquidation amounts, each with its rounding direction.
contract PositionMathTest is Test {
    uint256 internal constant D = 1e30; // 6-decimal settlement token
    uint256 internal constant WAD = 1e18;

    function _config() internal pure returns (MarketConfig memory c) {
        c = TestMarkets.defaultConfig(IPriceOracle(address(1)));
        c.maxLiquidationNotional = type(uint128).max; // sizing is tested here without the chunk cap
    }

    function _position(int256 size, uint256 margin, uint256 entry) internal pure returns (Position memory p) {
        p.size = int128(size);
        p.margin = uint128(margin);
        p.entryPrice = uint128(entry);
    }

    function testFuzz_margins_roundUpAndMaintenanceBelowInitial(uint256 absSize, uint256 price, bool isLong) public pure {
        absSize = bound(absSize, 1, 1e24);
        price = bound(price, 1e12, 1e24);
        Position memory p = _position(isLong ? int256(absSize) : -int256(absSize), 1e6, price);
        PositionMath.Health memory h = PositionMath.health(p, _config(), price, 0, D);
        assertGe(h.notional * D, absSize * price, "notional rounded down");
        RiskTier memory tier = _config().tiers[_tierIndex(h.notional)];
        assertGe(h.maintenanceMargin * WAD, h.notional * tier.maintenanceMarginRate, "maintenance rounded down");
        assertGe(h.initialMargin * WAD, h.notional * tier.initialMarginRate, "initial rounded down");
        assertLe(h.maintenanceMargin, h.initialMargin);
    }

    function testFuzz_equity_isMarginPlusFlooredPnlNetOfFunding(int256 size, uint256 entry, uint256 price, int256 fundingMove) public pure {
        size = bound(size, -1e24, 1e24);
        entry = bound(entry, 1e12, 1e24);
        price = bound(price, 1e12, 1e24);
        fundingMove = bound(fundingMove, -1e22, 1e22);
        Position memory p = _position(size, 1_000e6, entry);
        int256 equity = PositionMath.equity(p, price, fundingMove, D);
        int256 exactTimesD = int256(1_000e6) * int256(D) + size * (int256(price) - int256(entry) - fundingMove);
        assertLe(equity * int256(D), exactTimesD, "equity rounded in the trader's favour");
        assertGt((equity + 1) * int256(D), exactTimesD);
    }

    function testFuzz_funding_heavySidePaysAndRateIsClamped(
        uint256 longSize,
        uint256 shortSize,
        uint256 price,
        uint256 elapsed
    ) public pure {
        MarketConfig memory c = _config();
        longSize = bound(longSize, 0, 1e24);
        shortSize = bound(shortSize, 0, 1e24);
        price = bound(price, 1e12, 1e24);
        elapsed = bound(elapsed, 0, 365 days);
        int256 rate = FundingLib.ratePerSecond(c, longSize, shortSize);
        assertLe(PerpMath.abs(rate), c.maxFundingRatePerSecond);
        if (longSize > shortSize) assertGe(rate, 0);
        if (shortSize > longSize) assertLe(rate, 0);
        (int256 index, ) = FundingLib.indexAt(c, 0, 0, longSize, shortSize, price, elapsed);
        // A long settles -size*index (pays when index > 0), a short +size*index; both floor.
        int256 longPays = PerpMath.traderValueFloor(int256(longSize), -index, D);
        int256 shortGets = PerpMath.traderValueFloor(-int256(shortSize), -index, D);
        // The vault's net take (what longs pay minus what shorts get) is never below the exact skew.
        int256 vaultTakeTimesD = -(longPays + shortGets) * int256(D);
        assertGe(vaultTakeTimesD, (int256(longSize) - int256(shortSize)) * index - 2 * int256(D) + 1);
    }

    function testFuzz_keeperRewardCappedAndPenaltyRoundsUp(uint256 notional) public pure {
        MarketConfig memory c = _config();
        notional = bound(notional, 0, 1e30);
        uint256 reward = PositionMath.keeperReward(c, notional);
        uint256 penalty = PositionMath.liquidationPenalty(c, notional);
        assertLe(reward, c.keeperRewardCap);
        assertLe(reward, c.keeperRewardFixed + (notional * c.keeperRewardRate) / WAD);
        assertGe(penalty * WAD, notional * c.liquidationPenaltyRate);
    }

    /// A partial liquidation amount restores maintenance * (1 + buffer) and is the least size that
    /// does, up to one rounding unit; otherwise the whole position goes.
    function testFuzz_liquidationCloseSize_restoresTargetMinimally(
        uint256 absSize,
        uint256 price,
        uint256 marginBps,
        bool isLong
    ) public pure {
        MarketConfig memory c = _config();
        absSize = bound(absSize, 1e16, 3_000e18);
        price = bound(price, 100e18, 10_000e18);
        Position memory p = _position(isLong ? int256(absSize) : -int256(absSize), 0, price);
        uint256 notional = PerpMath.notionalUp(absSize, price, D);
        // Margin between 0 and the maintenance margin of the top tier: liquidatable territory.
        p.margin = uint128((notional * bound(marginBps, 1, 999)) / 10_000);
        PositionMath.Health memory h = PositionMath.health(p, c, price, 0, D);
        vm.assume(PositionMath.isLiquidatable(h));
        (uint256 closeSize, bool full) = PositionMath.liquidationCloseSize(c, h, absSize, price, D);
        if (full) {
            assertEq(closeSize, absSize);
            return;
        }
        assertLt(closeSize, absSize);
        assertTrue(_restoresTarget(c, h, absSize, closeSize, price), "target not restored");
        // Minimal up to the documented rounding slack: ten atoms' worth of size less would fall short.
        uint256 slackSize = _sizeWorth(c, h, 2 * PositionMath.LIQUIDATION_ROUNDING_SLACK, price);
        if (closeSize > slackSize) {
            assertFalse(_restoresTarget(c, h, absSize, closeSize - slackSize, price), "closed more than needed");
        }
    }

    /// maintenance * (1 + buffer), as a rate, of the tier the position is in now.
    function _targetRate(MarketConfig memory c, PositionMath.Health memory h) private pure returns (uint256) {
        RiskTier memory tier = c.tiers[_tierIndex(h.notional)];
        return PerpMath.mulWadUp(tier.maintenanceMarginRate, WAD + c.liquidationBufferRate);
    }

    function _tierIndex(uint256 notional) private pure returns (uint256) {
        if (notional <= 100_000e6) return 0;
        return notional <= 1_000_000e6 ? 1 : 2;
    }

    /// The size whose closing lifts equity-minus-target by `atoms`.
    function _sizeWorth(MarketConfig memory c, PositionMath.Health memory h, uint256 atoms, uint256 price) private pure returns (uint256) {
        uint256 targetRate = _targetRate(c, h);
        return (atoms * WAD * D) / (price * (targetRate - c.liquidationPenaltyRate)) + 1;
    }

    /// equity - rewardBound - penalty >= maintenance * (1 + buffer) of what remains, at the current tier.
    function _restoresTarget(
        MarketConfig memory c,
        PositionMath.Health memory h,
        uint256 absSize,
        uint256 closeSize,
        uint256 price
    ) private pure returns (bool) {
        uint256 targetRate = _targetRate(c, h);
        uint256 target = PerpMath.mulWadUp(PerpMath.notionalUp(absSize - closeSize, price, D), targetRate);
        return _equityAfter(h.equity, closeSize, price, PositionMath.keeperReward(c, h.notional), c) >= int256(target);
    }

    function _equityAfter(
        int256 equity,
        uint256 closeSize,
        uint256 price,
        uint256 reward,
        MarketConfig memory c
    ) private pure returns (int256) {
        uint256 penalty = PositionMath.liquidationPenalty(c, PerpMath.notionalUp(closeSize, price, D));
        return equity - int256(reward) - int256(penalty);
    }
}
