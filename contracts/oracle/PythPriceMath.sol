// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title PythPriceMath
/// @notice Turns a Pyth price (`price * 10**expo`, an int64 and an int32) into a WAD.
library PythPriceMath {
    /// @notice The largest exponent supported: 18 + 40 = 58 and type(int64).max * 10**58 < 2**256.
    int32 internal constant MAX_EXPO = 40;
    /// @notice The smallest exponent supported: it divides by 10**(-18 - (-95)) = 10**77, the
    /// largest power of ten below 2**256. Any price with a smaller exponent is below one WAD atom.
    int32 internal constant MIN_EXPO = -95;

    error NonPositivePrice(int64 price);
    error ExponentOutOfRange(int32 expo, int32 minExpo, int32 maxExpo);

    /// @notice `price * 10**expo` as a WAD, rounded down.
    /// @dev Only exponents below -18 round, and then by less than one WAD atom (1e-18 quote per
    /// base unit), far below any tick a market trades at. No single direction favours the protocol
    /// for a price, which values longs and shorts alike; the Chainlink adapter rounds down too.
    function toWad(int64 price, int32 expo) internal pure returns (uint256) {
        if (price <= 0) revert NonPositivePrice(price);
        if (expo > MAX_EXPO || expo < MIN_EXPO) revert ExponentOutOfRange(expo, MIN_EXPO, MAX_EXPO);
        uint256 mantissa = uint256(uint64(price));
        int256 shift = int256(expo) + 18;
        if (shift >= 0) return mantissa * 10 ** uint256(shift);
        return mantissa / 10 ** uint256(-shift);
    }
}
