// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";
import {PythPriceMath} from "../../contracts/oracle/PythPriceMath.sol";

/// Fuzzed exponent normalisation: exact when scaling up, floor when scaling down, never an
/// overflow inside the supported range, the library's own errors outside it.
contract PythPriceMathTest is Test {
    function toWad(int64 price, int32 expo) external pure returns (uint256) {
        return PythPriceMath.toWad(price, expo);
    }

    function testFuzz_scalingUpIsExact(int64 price, int32 expo) public pure {
        price = int64(bound(price, 1, type(int64).max));
        expo = int32(bound(expo, -18, PythPriceMath.MAX_EXPO));
        uint256 factor = 10 ** uint256(int256(expo) + 18);
        uint256 wad = PythPriceMath.toWad(price, expo);
        assertEq(wad / factor, uint256(uint64(price)), "lost or overflowed digits");
        assertEq(wad % factor, 0, "not a whole multiple of the scale");
    }

    /// The fuzzer rarely pairs the largest prices with the largest exponent; this does.
    function testFuzz_largestExponentNeverOverflows(int64 price) public pure {
        price = int64(bound(price, 1, type(int64).max));
        assertEq(PythPriceMath.toWad(price, PythPriceMath.MAX_EXPO), uint256(uint64(price)) * 1e58);
    }

    function testFuzz_scalingDownRoundsDownByLessThanOneAtom(int64 price, int32 expo) public pure {
        price = int64(bound(price, 1, type(int64).max));
        expo = int32(bound(expo, PythPriceMath.MIN_EXPO, -19));
        uint256 divisor = 10 ** uint256(-18 - int256(expo));
        uint256 wad = PythPriceMath.toWad(price, expo);
        uint256 mantissa = uint256(uint64(price));
        // wad <= mantissa / divisor < wad + 1. The products fit: wad > 0 only for divisor < 1e19.
        assertLe(wad * divisor, mantissa, "rounded up");
        assertGt((wad + 1) * divisor, mantissa, "rounded down by a whole atom or more");
    }

    function testFuzz_refusesExponentsOutsideTheRange(int64 price, int32 expo) public {
        price = int64(bound(price, 1, type(int64).max));
        vm.assume(expo > PythPriceMath.MAX_EXPO || expo < PythPriceMath.MIN_EXPO);
        vm.expectRevert(
            abi.encodeWithSelector(PythPriceMath.ExponentOutOfRange.selector, expo, PythPriceMath.MIN_EXPO, PythPriceMath.MAX_EXPO)
        );
        this.toWad(price, expo);
    }

    function testFuzz_refusesNonPositivePrices(int64 price, int32 expo) public {
        price = int64(bound(price, type(int64).min, 0));
        vm.expectRevert(abi.encodeWithSelector(PythPriceMath.NonPositivePrice.selector, price));
        this.toWad(price, expo);
    }

    function test_extremesOfTheRange() public pure {
        assertEq(PythPriceMath.toWad(type(int64).max, PythPriceMath.MAX_EXPO), uint256(uint64(type(int64).max)) * 1e58);
        assertEq(PythPriceMath.toWad(type(int64).max, PythPriceMath.MIN_EXPO), 0);
        assertEq(PythPriceMath.toWad(1, -18), 1);
        assertEq(PythPriceMath.toWad(3000_00000000, -8), 3000e18);
    }
}
