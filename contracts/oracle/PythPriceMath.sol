// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title PythPriceMath
/// @notice Turns a Pyth fixed-point number (`mantissa * 10**expo`) into a WAD.
library PythPriceMath {
    /// @notice The largest exponent supported: 18 + 40 = 58 and (2**64 - 1) * 10**58 < 2**256.
    int32 internal constant MAX_EXPO = 40;
    /// @notice The smallest exponent supported: it divides by 10**(-18 - (-95)) = 10**77, the
    /// largest power of ten below 2**256. Any mantissa with a smaller exponent is below one WAD atom.
    int32 internal constant MIN_EXPO = -95;

    error ExponentOutOfRange(int32 expo, int32 minExpo, int32 maxExpo);

    /// @notice `mantissa * 10**expo` as a WAD, rounded down.
    /// @dev Only exponents below -18 round, and then by less than one WAD atom (1e-18 quote per
    /// base unit), far below any tick a market trades at. No single direction favours the protocol
    /// for a price, which values longs and shorts alike; the Chainlink adapter rounds down too.
    function toWad(uint64 mantissa, int32 expo) internal pure returns (uint256) {
        if (expo > MAX_EXPO || expo < MIN_EXPO) revert ExponentOutOfRange(expo, MIN_EXPO, MAX_EXPO);
        int256 shift = int256(expo) + 18;
        if (shift >= 0) return uint256(mantissa) * 10 ** uint256(shift);
        return uint256(mantissa) / 10 ** uint256(-shift);
    }
}
