// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IPerpEngine} from "../interfaces/IPerpEngine.sol";
import {FundingLib} from "../libraries/FundingLib.sol";
import {MarketConfigLib} from "../libraries/MarketConfigLib.sol";
import {PerpMath} from "../libraries/PerpMath.sol";
import {PositionMath} from "../libraries/PositionMath.sol";
import {MarketConfig, MarketState, Position, RiskTier} from "../types/PerpTypes.sol";

/// @title PerpLens
/// @notice Read-only views for keepers and frontends, computed with the engine's own math at the
/// current oracle price and with funding projected to the current block. Not used by the engine.
contract PerpLens {
    using PerpMath for uint256;

    struct PositionHealth {
        uint256 positionId;
        address account;
        uint32 marketId;
        int256 size;
        uint256 margin;
        uint256 price;
        int256 equity;
        uint256 notional;
        uint256 initialMargin;
        uint256 maintenanceMargin;
        /// @dev equity / maintenance margin as a WAD; 0 when equity <= 0. Liquidatable below 1e18.
        uint256 marginRatio;
        bool liquidatable;
        bool bankrupt;
        uint256 liquidationPrice;
        uint256 bankruptcyPrice;
    }

    IPerpEngine public immutable engine;

    constructor(IPerpEngine engine_) {
        engine = engine_;
    }

    /// @notice Health of one position; reverts like the engine when the oracle price is bad.
    function positionHealth(uint256 positionId) public view returns (PositionHealth memory r) {
        Position memory p = engine.position(positionId);
        r.positionId = positionId;
        if (p.size == 0) return r;
        MarketConfig memory c = engine.marketConfig(p.marketId);
        (uint256 price, int256 index) = _priceAndIndex(p.marketId, c);
        PositionMath.Health memory h = PositionMath.health(p, c, price, index, engine.valueDivisor());
        r.account = p.account;
        r.marketId = p.marketId;
        r.size = p.size;
        r.margin = p.margin;
        r.price = price;
        r.equity = h.equity;
        r.notional = h.notional;
        r.initialMargin = h.initialMargin;
        r.maintenanceMargin = h.maintenanceMargin;
        r.marginRatio = h.equity > 0 ? Math.mulDiv(uint256(h.equity), PerpMath.WAD, h.maintenanceMargin) : 0;
        r.liquidatable = PositionMath.isLiquidatable(h);
        r.bankrupt = h.equity < 0;
        int256 adjustedEntry = int256(uint256(p.entryPrice)) + (index - p.fundingSnapshot);
        r.bankruptcyPrice = _bankruptcyPrice(p, adjustedEntry, engine.valueDivisor());
        r.liquidationPrice = _liquidationPrice(p, c, adjustedEntry, engine.valueDivisor());
    }

    /// @notice Health of many positions in one call; closed ids come back with size 0.
    function positionHealthBatch(uint256[] calldata positionIds) external view returns (PositionHealth[] memory out) {
        out = new PositionHealth[](positionIds.length);
        for (uint256 i = 0; i < positionIds.length; ++i) out[i] = positionHealth(positionIds[i]);
    }

    /// @notice The insurance fund, the open notional across markets, and their ratio (WAD).
    function insuranceCoverage() external view returns (uint256 fund, uint256 openNotional, uint256 coverage) {
        fund = engine.insuranceFund();
        uint32 count = engine.marketCount();
        for (uint32 m = 0; m < count; ++m) {
            MarketConfig memory c = engine.marketConfig(m);
            MarketState memory s = engine.marketState(m);
            uint256 price = c.oracle.price();
            openNotional += (uint256(s.longSize) + s.shortSize).notionalUp(price, engine.valueDivisor());
        }
        coverage = openNotional == 0 ? type(uint256).max : Math.mulDiv(fund, PerpMath.WAD, openNotional);
    }

    function _priceAndIndex(uint32 marketId, MarketConfig memory c) private view returns (uint256 price, int256 index) {
        MarketState memory s = engine.marketState(marketId);
        price = c.oracle.price();
        (index, ) = FundingLib.indexAt(c, s.fundingIndex, s.lastFundingTime, s.longSize, s.shortSize, price, block.timestamp);
    }

    /// @dev The price where equity is 0: adjustedEntry -/+ margin per unit of size. Rounded toward
    /// the trader's danger (up for a long, down for a short) and floored at 0.
    function _bankruptcyPrice(Position memory p, int256 adjustedEntry, uint256 divisor) private pure returns (uint256) {
        uint256 absSize = PerpMath.abs(p.size);
        if (p.size > 0) {
            uint256 cushion = Math.mulDiv(p.margin, divisor, absSize);
            return adjustedEntry > int256(cushion) ? uint256(adjustedEntry - int256(cushion)) : 0;
        }
        int256 price = adjustedEntry + int256(Math.mulDiv(p.margin, divisor, absSize));
        return price > 0 ? uint256(price) : 0;
    }

    /// @dev Solves equity(P) = maintenanceRate(tier at P) * notional(P) for each tier and keeps the
    /// solutions whose notional really falls in that tier: the highest for a long, the lowest for a short.
    /// Exact in real numbers; the engine's own roundings (an atom or two) can trigger a hair earlier.
    function _liquidationPrice(
        Position memory p,
        MarketConfig memory c,
        int256 adjustedEntry,
        uint256 divisor
    ) private pure returns (uint256 best) {
        uint256 absSize = PerpMath.abs(p.size);
        int256 cushion = int256(Math.mulDiv(p.margin, divisor, absSize));
        bool found;
        for (uint256 t = 0; t < c.tierCount; ++t) {
            uint256 rate = c.tiers[t].maintenanceMarginRate;
            int256 numerator = p.size > 0 ? adjustedEntry - cushion : adjustedEntry + cushion;
            if (numerator <= 0) continue;
            uint256 candidate =
                p.size > 0
                    ? Math.mulDiv(uint256(numerator), PerpMath.WAD, PerpMath.WAD - rate, Math.Rounding.Ceil)
                    : Math.mulDiv(uint256(numerator), PerpMath.WAD, PerpMath.WAD + rate);
            (RiskTier memory tier, ) = MarketConfigLib.tierFor(c, absSize.notionalUp(candidate, divisor));
            if (tier.maintenanceMarginRate != rate) continue;
            if (!found || (p.size > 0 ? candidate > best : candidate < best)) best = candidate;
            found = true;
        }
    }
}
