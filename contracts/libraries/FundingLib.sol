// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {MarketConfig} from "../types/PerpTypes.sol";
import {PerpMath} from "./PerpMath.sol";

/// @title FundingLib
/// @notice Skew-based funding. The heavier side pays: the cumulative index rises while longs
/// outweigh shorts (longs pay `size * dIndex`, shorts receive it) and falls in the opposite case.
/// The liquidity vault holds the net open interest, so it receives the imbalance.
library FundingLib {
    /// @notice Funding rate per second (WAD, signed) for the current skew, clamped to the market maximum.
    function ratePerSecond(MarketConfig memory c, uint256 longSize, uint256 shortSize) internal pure returns (int256) {
        int256 maxRate = int256(uint256(c.maxFundingRatePerSecond));
        int256 rate = (maxRate * (int256(longSize) - int256(shortSize))) / int256(uint256(c.skewScale));
        if (rate > maxRate) return maxRate;
        if (rate < -maxRate) return -maxRate;
        return rate;
    }

    /// @notice The index as it would be after accruing from `lastTime` to `timestamp` at `price`.
    /// @dev The index is shared by both sides, so its own rounding (toward zero) favours nobody;
    /// each position's settlement rounds against the trader in PerpMath.traderValueFloor.
    function indexAt(
        MarketConfig memory c,
        int256 index,
        uint256 lastTime,
        uint256 longSize,
        uint256 shortSize,
        uint256 price,
        uint256 timestamp
    ) internal pure returns (int256 newIndex, int256 rate) {
        rate = ratePerSecond(c, longSize, shortSize);
        int256 elapsed = SafeCast.toInt256(timestamp - lastTime);
        newIndex = index + (rate * SafeCast.toInt256(price) * elapsed) / int256(PerpMath.WAD);
    }
}
