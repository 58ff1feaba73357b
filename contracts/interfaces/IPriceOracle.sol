// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice A validated price source for one market. Chainlink push feeds and Pyth pull prices sit
/// behind this one interface; the market's config names its adapter.
interface IPriceOracle {
    /// @notice The current price as a WAD (18-decimal) amount of quote per whole base unit.
    /// @dev Reverts with a custom error when the price is stale, non-positive, or the sequencer is down.
    function price() external view returns (uint256 priceWad);

    /// @notice The price to value positions with when no action depends on it being current: the
    /// latest answer as a WAD, and whether it is fresh (within the heartbeat, sequencer up). A stale
    /// answer is still returned, so one dead feed can't stop the vault's accounting of the others.
    /// @dev Reverts only when there is no usable answer at all (non-positive, out of range).
    function valuationPrice() external view returns (uint256 priceWad, bool fresh);

    /// @notice When the latest stored answer was published (Chainlink `updatedAt`, Pyth `publishTime`).
    function latestPublishTime() external view returns (uint256);

    /// @notice A price proven by `priceData` and published at or after `notBefore`, for an order
    /// requested before it. With `firstAfter`, it must be the first price published at or after
    /// `notBefore`, so an executor can't pick the best of several later prices.
    /// @param priceData Chainlink: abi.encode(uint80 roundId). Pyth: abi.encode(bytes[] updateData).
    /// @dev The caller sends `updateFee(priceData)` as value (Pyth's update fee; 0 for Chainlink).
    /// Reverts with a custom error when the proof fails; never returns a stale or unproven price.
    function provenPrice(
        bytes calldata priceData,
        uint256 notBefore,
        bool firstAfter
    ) external payable returns (uint256 priceWad, uint256 publishTime);

    /// @notice The native-token fee `provenPrice(priceData, ...)` needs.
    function updateFee(bytes calldata priceData) external view returns (uint256);
}
