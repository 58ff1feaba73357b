// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice A validated price source for one market.
interface IPriceOracle {
    /// @notice The current price as a WAD (18-decimal) amount of quote per whole base unit.
    /// @dev Reverts with a custom error when the price is stale, non-positive, or the sequencer is down.
    function price() external view returns (uint256 priceWad);

    /// @notice The price to value positions with when no action depends on it being current: the
    /// latest answer as a WAD, and whether it is fresh (within the heartbeat, sequencer up). A stale
    /// answer is still returned, so one dead feed can't stop the vault's accounting of the others.
    /// @dev Reverts only when there is no usable answer at all (non-positive, out of range).
    function valuationPrice() external view returns (uint256 priceWad, bool fresh);
}
