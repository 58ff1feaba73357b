// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {PerpMath} from "./PerpMath.sol";

/// @title FillCostMath
/// @notice What a fill costs beyond the price, shared by the engine's fills (Trading) and the lens's
/// trade preview, so the preview is the fill by construction.
library FillCostMath {
    using PerpMath for uint256;

    /// @notice A market's skew (longs minus shorts), its impact pool and its impactSkewScale.
    struct Skew {
        int256 skew;
        uint256 impactPool;
        uint256 impactSkewScale;
    }

    /// @notice The trading fee, and the impact of moving the market's skew from s to s + delta:
    /// price * (s'^2 - s^2) / (2 * impactSkewScale), the integral of a premium that grows linearly
    /// with the skew. A trade that grows the skew pays it (rounded up); one that shrinks it is
    /// rebated (rounded down), at most the impact pool, what past charges still hold, so rebates never
    /// pay out more than trades paid in. impactSkewScale 0 charges no impact.
    /// @return fee Token atoms, rounded up.
    /// @return impact Token atoms; positive is paid, negative rebated.
    /// @return executionPrice The price per unit the trader effectively gets, impact included.
    function fillCosts(
        int256 sizeDelta,
        uint256 price,
        uint256 tradingFeeRate,
        Skew memory market,
        uint256 valueDivisor
    ) internal pure returns (uint256 fee, int256 impact, uint256 executionPrice) {
        uint256 absDelta = PerpMath.abs(sizeDelta);
        fee = absDelta.notionalUp(price, valueDivisor).mulWadUp(tradingFeeRate);
        executionPrice = price;
        if (market.impactSkewScale == 0) return (fee, impact, executionPrice);
        bool grows;
        (impact, grows) = _impact(sizeDelta, price, market, valueDivisor);
        // Worse than the oracle by the impact paid, better by the rebate.
        uint256 perUnit = Math.mulDiv(PerpMath.abs(impact), valueDivisor, absDelta, grows ? Math.Rounding.Ceil : Math.Rounding.Floor);
        bool buyPaysMore = (sizeDelta > 0) == grows;
        executionPrice = buyPaysMore ? price + perUnit : (perUnit < price ? price - perUnit : 0);
    }

    function _impact(
        int256 sizeDelta,
        uint256 price,
        Skew memory market,
        uint256 valueDivisor
    ) private pure returns (int256 impact, bool grows) {
        // s'^2 - s^2 = delta * (2s + delta): positive when the trade grows |skew|.
        int256 twiceMidSkew = 2 * market.skew + sizeDelta;
        grows = (sizeDelta > 0) == (twiceMidSkew > 0);
        Math.Rounding rounding = grows ? Math.Rounding.Ceil : Math.Rounding.Floor;
        uint256 skewUnits = Math.mulDiv(PerpMath.abs(sizeDelta), PerpMath.abs(twiceMidSkew), 2 * market.impactSkewScale, rounding);
        uint256 amount = Math.mulDiv(skewUnits, price, valueDivisor, rounding);
        impact = grows ? int256(amount) : -int256(Math.min(amount, market.impactPool));
    }
}
