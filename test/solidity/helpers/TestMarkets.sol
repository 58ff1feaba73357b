// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IPriceOracle} from "../../../contracts/interfaces/IPriceOracle.sol";
import {MarketConfig, RiskTier} from "../../../contracts/types/PerpTypes.sol";

/// The market parameters the Solidity tests share: the defaults of scripts/lib/marketConfig.ts
/// for a 6-decimal token, with caps and funding the caller may tighten.
library TestMarkets {
    function defaultConfig(IPriceOracle oracle) internal pure returns (MarketConfig memory c) {
        c.oracle = oracle;
        c.tradingFeeRate = 0.0005e18;
        c.insuranceFeeShare = 0.2e18;
        c.liquidationPenaltyRate = 0.005e18;
        c.liquidationBufferRate = 0.25e18;
        c.keeperRewardRate = 0.001e18;
        c.keeperRewardFixed = 1e6;
        c.keeperRewardCap = 50e6;
        c.maxLiquidationNotional = 250_000e6;
        c.minPositionNotional = 10e6;
        c.maxLongSize = 10_000e18;
        c.maxShortSize = 10_000e18;
        c.maxFundingRatePerSecond = uint64(uint256(0.001e18) / 3600);
        c.skewScale = 1_000e18;
        c.tierCount = 3;
        c.tiers[0] = RiskTier(100_000e6, 0.05e18, 0.025e18);
        c.tiers[1] = RiskTier(1_000_000e6, 0.1e18, 0.05e18);
        c.tiers[2] = RiskTier(10_000_000e6, 0.2e18, 0.1e18);
        c.maxPnlFactor = 0.45e18;
        c.targetPnlFactor = 0.4e18;
        c.impactSkewScale = 1_000_000e18;
    }
}
