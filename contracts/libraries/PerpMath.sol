// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title PerpMath
/// @notice Fixed-point helpers. Every function names its rounding direction; callers pick the one
/// that favours the protocol.
/// @dev Units used across the protocol:
/// - size: signed base-asset amount, 18 decimals (long > 0, short < 0);
/// - price, entry, funding index: WAD quote units per whole base unit;
/// - money (margin, balances, pnl, fees): settlement-token atoms (the token's own decimals);
/// - rates: WAD fractions (1e18 = 100%).
/// `size * price / valueDivisor` is a value in token atoms, with `valueDivisor = 10**(36 - decimals)`.
library PerpMath {
    uint256 internal constant WAD = 1e18;

    function mulWadDown(uint256 x, uint256 y) internal pure returns (uint256) {
        return Math.mulDiv(x, y, WAD);
    }

    function mulWadUp(uint256 x, uint256 y) internal pure returns (uint256) {
        return Math.mulDiv(x, y, WAD, Math.Rounding.Ceil);
    }

    /// @dev Notional in token atoms, rounded down: used where a smaller notional favours the protocol
    /// (caps on rewards, chunk sizes).
    function notionalDown(uint256 absSize, uint256 price, uint256 valueDivisor) internal pure returns (uint256) {
        return Math.mulDiv(absSize, price, valueDivisor);
    }

    /// @dev Notional in token atoms, rounded up: used for margin requirements and fees.
    function notionalUp(uint256 absSize, uint256 price, uint256 valueDivisor) internal pure returns (uint256) {
        return Math.mulDiv(absSize, price, valueDivisor, Math.Rounding.Ceil);
    }

    /// @notice Value owed to a trader, `size * priceDiff / valueDivisor`, rounded toward minus infinity:
    /// a profit is rounded down and a loss is rounded up, so the trader always gets the worse wei.
    function traderValueFloor(int256 size, int256 priceDiff, uint256 valueDivisor) internal pure returns (int256) {
        int256 numerator = size * priceDiff;
        int256 divisor = SafeCast.toInt256(valueDivisor);
        int256 quotient = numerator / divisor;
        if (numerator % divisor != 0 && numerator < 0) quotient -= 1;
        return quotient;
    }

    function abs(int256 x) internal pure returns (uint256) {
        return x >= 0 ? uint256(x) : uint256(-x);
    }

    function min(uint256 a, uint256 b) internal pure returns (uint256) {
        return a < b ? a : b;
    }
}
