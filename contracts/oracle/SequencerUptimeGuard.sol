// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

/// @title SequencerUptimeGuard
/// @notice On L2s, refuses prices while the sequencer is down, its status is unknown, or within a
/// grace period after a restart: while it was down, nobody could post margin or close, so prices
/// must not be acted on the moment it comes back. Shared by every price adapter.
abstract contract SequencerUptimeGuard {
    uint256 public constant MAX_GRACE_PERIOD = 1 days;

    /// @notice Chainlink L2 sequencer-uptime feed, or zero on chains without one.
    AggregatorV3Interface public immutable sequencerUptimeFeed;
    uint256 public immutable gracePeriod;

    error InvalidGracePeriod(uint256 gracePeriod);
    /// @notice The sequencer-uptime feed has no status round yet (startedAt == 0).
    error SequencerStatusUnknown();
    error SequencerDown();
    error SequencerGracePeriod(uint256 restartedAt, uint256 gracePeriod, uint256 timestamp);

    constructor(AggregatorV3Interface sequencerUptimeFeed_, uint256 gracePeriod_) {
        if (gracePeriod_ > MAX_GRACE_PERIOD) revert InvalidGracePeriod(gracePeriod_);
        sequencerUptimeFeed = sequencerUptimeFeed_;
        gracePeriod = gracePeriod_;
    }

    /// @dev True on chains without a sequencer feed.
    function _sequencerUp() internal view returns (bool) {
        if (address(sequencerUptimeFeed) == address(0)) return true;
        (, int256 status, uint256 startedAt, , ) = sequencerUptimeFeed.latestRoundData();
        return startedAt != 0 && status == 0 && block.timestamp - startedAt > gracePeriod;
    }

    /// @dev Reverts, with the reason, where _sequencerUp is false.
    function _requireSequencerUp() internal view {
        if (address(sequencerUptimeFeed) == address(0)) return;
        // Chainlink's uptime feed answers 0 when the sequencer is up and 1 when it is down;
        // startedAt is when that status began.
        (, int256 status, uint256 startedAt, , ) = sequencerUptimeFeed.latestRoundData();
        if (startedAt == 0) revert SequencerStatusUnknown();
        if (status != 0) revert SequencerDown();
        if (block.timestamp - startedAt <= gracePeriod) {
            revert SequencerGracePeriod(startedAt, gracePeriod, block.timestamp);
        }
    }
}
