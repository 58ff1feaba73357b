// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {MockPyth} from "@pythnetwork/pyth-sdk-solidity/MockPyth.sol";
import {PythStructs} from "@pythnetwork/pyth-sdk-solidity/PythStructs.sol";

/// @title StrictUniqueMockPyth
/// @notice Test-only. MockPyth 4.3.1's parsePriceFeedUpdatesUnique skips the uniqueness check the
/// real Pyth contract makes (an update counts only if its previous publish time is before
/// minPublishTime). This front routes that call to MockPyth's checking path and forwards every
/// other call unchanged, so tests can show that a later-than-first update is refused.
contract StrictUniqueMockPyth {
    MockPyth public immutable mock;

    constructor(uint256 validTimePeriod, uint256 singleUpdateFeeInWei) {
        mock = new MockPyth(validTimePeriod, singleUpdateFeeInWei);
    }

    function parsePriceFeedUpdatesUnique(
        bytes[] calldata updateData,
        bytes32[] calldata priceIds,
        uint64 minPublishTime,
        uint64 maxPublishTime
    ) external payable returns (PythStructs.PriceFeed[] memory feeds) {
        (feeds, ) = mock.parsePriceFeedUpdatesWithConfig{value: msg.value}(
            updateData,
            priceIds,
            minPublishTime,
            maxPublishTime,
            true,
            false,
            false
        );
    }

    /// @dev Forwards the call with its value; MockPyth's answer or revert data passes through as is.
    fallback(bytes calldata input) external payable returns (bytes memory) {
        return Address.functionCallWithValue(address(mock), input, msg.value);
    }
}
