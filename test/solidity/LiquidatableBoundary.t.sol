// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";
import {PositionMath} from "../../contracts/libraries/PositionMath.sol";

/// The liquidation threshold is strict: a position is liquidatable below its maintenance margin,
/// and one whose equity is exactly the maintenance margin is safe (README, "Positions and health").
contract LiquidatableBoundaryTest is Test {
    function _health(int256 equity, uint256 maintenanceMargin) internal pure returns (PositionMath.Health memory h) {
        h.equity = equity;
        h.maintenanceMargin = maintenanceMargin;
    }

    function testFuzz_isLiquidatable_strictlyBelowMaintenance(uint256 maintenanceMargin) public pure {
        maintenanceMargin = bound(maintenanceMargin, 1, 1e30);
        int256 mm = int256(maintenanceMargin);
        assertFalse(PositionMath.isLiquidatable(_health(mm, maintenanceMargin)), "exactly at maintenance");
        assertFalse(PositionMath.isLiquidatable(_health(mm + 1, maintenanceMargin)), "above maintenance");
        assertTrue(PositionMath.isLiquidatable(_health(mm - 1, maintenanceMargin)), "one atom below maintenance");
        assertTrue(PositionMath.isLiquidatable(_health(-mm, maintenanceMargin)), "bankrupt");
    }
}
