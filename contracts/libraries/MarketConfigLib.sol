// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IPerpEngineEvents} from "../interfaces/IPerpEngineEvents.sol";
import {MarketConfig, RiskTier, MAX_RISK_TIERS} from "../types/PerpTypes.sol";

/// @title MarketConfigLib
/// @notice Hard bounds on every market parameter, and the risk-tier lookup.
library MarketConfigLib {
    uint256 internal constant MAX_TRADING_FEE_RATE = 0.01e18; // 1% of notional
    uint256 internal constant MAX_LIQUIDATION_PENALTY_RATE = 0.05e18; // 5% of notional
    uint256 internal constant MAX_LIQUIDATION_BUFFER_RATE = 1e18; // target at most 2x maintenance
    uint256 internal constant MAX_KEEPER_REWARD_RATE = 0.01e18; // 1% of notional
    uint256 internal constant MAX_FUNDING_RATE_PER_SECOND = uint256(0.01e18) / 3600; // 1% per hour
    uint256 internal constant MIN_MAINTENANCE_MARGIN_RATE = 0.001e18; // 0.1%, i.e. at most 1000x
    uint256 internal constant MAX_INITIAL_MARGIN_RATE = 1e18; // 1x leverage
    uint256 internal constant MAX_PNL_FACTOR = 10e18; // traders' profit at most 10x the vault's assets

    /// @param oneToken One whole settlement token in atoms: the floor of the minimum position size,
    /// so that every position an attacker places in an ADL queue's way costs real margin.
    function validate(MarketConfig memory c, uint256 oneToken) internal pure {
        if (address(c.oracle) == address(0)) revert IPerpEngineEvents.InvalidMarketParameter("oracle", 0);
        _atMost("tradingFeeRate", c.tradingFeeRate, MAX_TRADING_FEE_RATE);
        _atMost("insuranceFeeShare", c.insuranceFeeShare, 1e18);
        _atMost("liquidationPenaltyRate", c.liquidationPenaltyRate, MAX_LIQUIDATION_PENALTY_RATE);
        _atMost("liquidationBufferRate", c.liquidationBufferRate, MAX_LIQUIDATION_BUFFER_RATE);
        _atMost("keeperRewardRate", c.keeperRewardRate, MAX_KEEPER_REWARD_RATE);
        _atMost("keeperRewardFixed", c.keeperRewardFixed, c.keeperRewardCap);
        _positive("maxLiquidationNotional", c.maxLiquidationNotional);
        if (c.minPositionNotional < oneToken || c.minPositionNotional >= c.maxLiquidationNotional) {
            revert IPerpEngineEvents.InvalidMarketParameter("minPositionNotional", c.minPositionNotional);
        }
        _positive("maxLongSize", c.maxLongSize);
        _positive("maxShortSize", c.maxShortSize);
        _atMost("maxFundingRatePerSecond", c.maxFundingRatePerSecond, MAX_FUNDING_RATE_PER_SECOND);
        _positive("skewScale", c.skewScale);
        // Impact's premium is skew / impactSkewScale: at most 100% while open interest stays capped.
        // 0 turns price impact off (the fee alone then prices a trade's size).
        if (c.impactSkewScale != 0 && (c.impactSkewScale < c.maxLongSize || c.impactSkewScale < c.maxShortSize)) {
            revert IPerpEngineEvents.InvalidMarketParameter("impactSkewScale", c.impactSkewScale);
        }
        if (c.tierCount == 0 || c.tierCount > MAX_RISK_TIERS) revert IPerpEngineEvents.InvalidMarketParameter("tierCount", c.tierCount);
        _validateTiers(c);
        if (c.maxPnlFactor == 0 || c.maxPnlFactor > MAX_PNL_FACTOR)
            revert IPerpEngineEvents.InvalidMarketParameter("maxPnlFactor", c.maxPnlFactor);
        if (c.targetPnlFactor == 0 || c.targetPnlFactor >= c.maxPnlFactor) {
            revert IPerpEngineEvents.InvalidMarketParameter("targetPnlFactor", c.targetPnlFactor);
        }
    }

    /// @notice The tier whose bracket holds `notional`; beyond the last bracket, the last tier and
    /// `withinTiers = false` (existing positions keep the strictest rates, new risk is refused).
    function tierFor(MarketConfig memory c, uint256 notional) internal pure returns (RiskTier memory tier, bool withinTiers) {
        for (uint256 i = 0; i < c.tierCount; ++i) {
            if (notional <= c.tiers[i].maxNotional) return (c.tiers[i], true);
        }
        return (c.tiers[c.tierCount - 1], false);
    }

    function _validateTiers(MarketConfig memory c) private pure {
        RiskTier memory previous;
        for (uint256 i = 0; i < c.tierCount; ++i) {
            RiskTier memory t = c.tiers[i];
            if (t.maxNotional <= previous.maxNotional) revert IPerpEngineEvents.InvalidMarketParameter("tiers.maxNotional", i);
            if (t.maintenanceMarginRate < MIN_MAINTENANCE_MARGIN_RATE || t.maintenanceMarginRate < previous.maintenanceMarginRate) {
                revert IPerpEngineEvents.InvalidMarketParameter("tiers.maintenanceMarginRate", i);
            }
            if (
                t.initialMarginRate <= t.maintenanceMarginRate ||
                t.initialMarginRate > MAX_INITIAL_MARGIN_RATE ||
                t.initialMarginRate < previous.initialMarginRate
            ) {
                revert IPerpEngineEvents.InvalidMarketParameter("tiers.initialMarginRate", i);
            }
            previous = t;
        }
        // A liquidation must leave the insurance penalty inside the maintenance margin it consumes.
        if (c.liquidationPenaltyRate >= c.tiers[0].maintenanceMarginRate) {
            revert IPerpEngineEvents.InvalidMarketParameter("liquidationPenaltyRate", c.liquidationPenaltyRate);
        }
    }

    function _atMost(string memory field, uint256 value, uint256 bound) private pure {
        if (value > bound) revert IPerpEngineEvents.InvalidMarketParameter(field, value);
    }

    function _positive(string memory field, uint256 value) private pure {
        if (value == 0) revert IPerpEngineEvents.InvalidMarketParameter(field, value);
    }
}
