// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {IPriceOracle} from "../interfaces/IPriceOracle.sol";

/// @title ChainlinkPriceOracle
/// @notice Adapts one Chainlink feed: rejects non-positive and stale answers, normalises to WAD,
/// and, on L2s, refuses prices while the sequencer is down or within a grace period after restart.
contract ChainlinkPriceOracle is IPriceOracle {
    uint256 public constant MAX_HEARTBEAT = 2 days;
    uint256 public constant MAX_GRACE_PERIOD = 1 days;

    AggregatorV3Interface public immutable feed;
    uint256 public immutable heartbeat;
    /// @notice Chainlink L2 sequencer-uptime feed, or zero on chains without one.
    AggregatorV3Interface public immutable sequencerUptimeFeed;
    uint256 public immutable gracePeriod;
    uint256 internal immutable scaleUp;
    uint256 internal immutable scaleDown;

    error InvalidHeartbeat(uint256 heartbeat);
    error InvalidGracePeriod(uint256 gracePeriod);
    error UnsupportedFeedDecimals(uint8 decimals);
    error NonPositivePrice(int256 answer);
    error StalePrice(uint256 updatedAt, uint256 heartbeat, uint256 timestamp);
    error SequencerDown();
    error SequencerGracePeriod(uint256 restartedAt, uint256 gracePeriod, uint256 timestamp);

    constructor(AggregatorV3Interface feed_, uint256 heartbeat_, AggregatorV3Interface sequencerUptimeFeed_, uint256 gracePeriod_) {
        if (heartbeat_ == 0 || heartbeat_ > MAX_HEARTBEAT) revert InvalidHeartbeat(heartbeat_);
        if (gracePeriod_ > MAX_GRACE_PERIOD) revert InvalidGracePeriod(gracePeriod_);
        uint8 decimals = feed_.decimals();
        if (decimals > 36) revert UnsupportedFeedDecimals(decimals);
        feed = feed_;
        heartbeat = heartbeat_;
        sequencerUptimeFeed = sequencerUptimeFeed_;
        gracePeriod = gracePeriod_;
        scaleUp = decimals < 18 ? 10 ** (18 - decimals) : 1;
        scaleDown = decimals > 18 ? 10 ** (decimals - 18) : 1;
    }

    /// @inheritdoc IPriceOracle
    function price() external view returns (uint256) {
        if (address(sequencerUptimeFeed) != address(0)) _checkSequencer();
        (, int256 answer, , uint256 updatedAt, ) = feed.latestRoundData();
        if (answer <= 0) revert NonPositivePrice(answer);
        if (updatedAt > block.timestamp || block.timestamp - updatedAt > heartbeat) {
            revert StalePrice(updatedAt, heartbeat, block.timestamp);
        }
        return (uint256(answer) * scaleUp) / scaleDown;
    }

    function _checkSequencer() private view {
        // Chainlink's uptime feed answers 0 when the sequencer is up and 1 when it is down;
        // startedAt is when that status began.
        (, int256 status, uint256 startedAt, , ) = sequencerUptimeFeed.latestRoundData();
        if (status != 0) revert SequencerDown();
        if (block.timestamp - startedAt <= gracePeriod) {
            revert SequencerGracePeriod(startedAt, gracePeriod, block.timestamp);
        }
    }
}
