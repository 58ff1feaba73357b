// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice A validated price source for one market.
interface IPriceOracle {
    /// @notice The current price as a WAD (18-decimal) amount of quote per whole base unit.
    /// @dev Reverts with a custom error when the price is stale, non-positive, or the sequencer is down.
    function price() external view returns (uint256 priceWad);
}
