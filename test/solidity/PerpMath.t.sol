// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";
import {PerpMath} from "../../contracts/libraries/PerpMath.sol";

/// Fuzzed rounding properties of the fixed-point helpers.
contract PerpMathTest is Test {
    uint256 internal constant USDC_DIVISOR = 1e30; // 6-decimal token
    uint256 internal constant MAX_SIZE = 1e30; // 1e12 whole units
    uint256 internal constant MAX_PRICE = 1e30; // 1e12 per unit

    function _divisor(uint8 decimals) internal pure returns (uint256) {
        return 10 ** (36 - uint256(bound(decimals, 6, 18)));
    }

    function testFuzz_traderValueFloor_roundsTowardMinusInfinity(int256 size, int256 diff, uint8 decimals) public pure {
        size = bound(size, -int256(MAX_SIZE), int256(MAX_SIZE));
        diff = bound(diff, -int256(MAX_PRICE), int256(MAX_PRICE));
        int256 d = int256(_divisor(decimals));
        int256 value = PerpMath.traderValueFloor(size, diff, uint256(d));
        int256 exact = size * diff;
        // value <= exact / d < value + 1: the trader never gets the fractional wei.
        assertLe(value * d, exact, "rounded up in the trader's favour");
        assertGt((value + 1) * d, exact, "rounded down by more than one wei");
    }

    function testFuzz_traderValueFloor_lossAndProfitAreAsymmetric(uint256 size, uint256 diff) public pure {
        size = bound(size, 1, MAX_SIZE);
        diff = bound(diff, 1, MAX_PRICE);
        int256 profit = PerpMath.traderValueFloor(int256(size), int256(diff), USDC_DIVISOR);
        int256 loss = PerpMath.traderValueFloor(int256(size), -int256(diff), USDC_DIVISOR);
        // A round trip through the same move can never leave the trader ahead.
        assertLe(profit + loss, 0);
        assertGe(profit + loss, -1);
    }

    function testFuzz_notional_upIsCeilingOfDown(uint256 size, uint256 price, uint8 decimals) public pure {
        size = bound(size, 0, MAX_SIZE);
        price = bound(price, 0, MAX_PRICE);
        uint256 d = _divisor(decimals);
        uint256 down = PerpMath.notionalDown(size, price, d);
        uint256 up = PerpMath.notionalUp(size, price, d);
        assertLe(down * d, size * price);
        assertGe(up * d, size * price);
        assertLe(up - down, 1);
    }

    function testFuzz_mulWad_directions(uint256 x, uint256 y) public pure {
        x = bound(x, 0, 1e40);
        y = bound(y, 0, 1e20);
        uint256 down = PerpMath.mulWadDown(x, y);
        uint256 up = PerpMath.mulWadUp(x, y);
        assertLe(down * 1e18, x * y);
        assertGe(up * 1e18, x * y);
        assertLe(up - down, 1);
    }
}
