// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {IPriceOracle} from "../interfaces/IPriceOracle.sol";
import {SequencerUptimeGuard} from "./SequencerUptimeGuard.sol";

/// @title ChainlinkPriceOracle
/// @notice Adapts one market's Chainlink feed: rejects non-positive, stale and out-of-range
/// answers, normalises to WAD, and, on L2s, refuses prices while the sequencer is down, its status
/// is unknown, or within a grace period after a restart. Each market gets its own adapter, so its
/// heartbeat and answer range are the market's own.
contract ChainlinkPriceOracle is IPriceOracle, SequencerUptimeGuard {
    uint256 public constant MAX_HEARTBEAT = 2 days;

    AggregatorV3Interface public immutable feed;
    uint256 public immutable heartbeat;
    /// @notice The answers accepted, in the feed's decimals: a feed stuck at a circuit-breaker
    /// bound or answering nonsense is refused instead of priced.
    int256 public immutable minAnswer;
    int256 public immutable maxAnswer;
    uint256 internal immutable scaleUp;
    uint256 internal immutable scaleDown;

    error InvalidHeartbeat(uint256 heartbeat);
    error UnsupportedFeedDecimals(uint8 decimals);
    error NonPositivePrice(int256 answer);
    error InvalidAnswerBounds(int256 minAnswer, int256 maxAnswer);
    error AnswerOutOfBounds(int256 answer, int256 minAnswer, int256 maxAnswer);
    error StalePrice(uint256 updatedAt, uint256 heartbeat, uint256 timestamp);
    /// @notice The round was published before the order it should fill.
    error RoundTooEarly(uint80 roundId, uint256 updatedAt, uint256 notBefore);
    /// @notice An earlier round was already published at or after `notBefore`: the fill must use it.
    error NotFirstRoundAfter(uint80 roundId, uint80 earlierRoundId, uint256 earlierUpdatedAt);
    /// @notice Chainlink prices need no update fee.
    error UnexpectedValue(uint256 value);

    constructor(
        AggregatorV3Interface feed_,
        uint256 heartbeat_,
        AggregatorV3Interface sequencerUptimeFeed_,
        uint256 gracePeriod_,
        int256 minAnswer_,
        int256 maxAnswer_
    ) SequencerUptimeGuard(sequencerUptimeFeed_, gracePeriod_) {
        if (heartbeat_ == 0 || heartbeat_ > MAX_HEARTBEAT) revert InvalidHeartbeat(heartbeat_);
        if (minAnswer_ <= 0 || maxAnswer_ <= minAnswer_) revert InvalidAnswerBounds(minAnswer_, maxAnswer_);
        (minAnswer, maxAnswer) = (minAnswer_, maxAnswer_);
        uint8 decimals = feed_.decimals();
        if (decimals > 36) revert UnsupportedFeedDecimals(decimals);
        feed = feed_;
        heartbeat = heartbeat_;
        scaleUp = decimals < 18 ? 10 ** (18 - decimals) : 1;
        scaleDown = decimals > 18 ? 10 ** (decimals - 18) : 1;
    }

    /// @inheritdoc IPriceOracle
    function price() external view returns (uint256) {
        _requireSequencerUp();
        (uint256 priceWad, uint256 updatedAt) = _latest();
        if (!_withinHeartbeat(updatedAt)) revert StalePrice(updatedAt, heartbeat, block.timestamp);
        return priceWad;
    }

    /// @inheritdoc IPriceOracle
    function valuationPrice() external view returns (uint256 priceWad, bool fresh) {
        uint256 updatedAt;
        (priceWad, updatedAt) = _latest();
        fresh = _withinHeartbeat(updatedAt) && _sequencerUp();
    }

    /// @inheritdoc IPriceOracle
    function latestPublishTime() external view returns (uint256 updatedAt) {
        (, , , updatedAt, ) = feed.latestRoundData();
    }

    /// @inheritdoc IPriceOracle
    /// @dev A round id carries its phase in the top 16 bits and the aggregator's round below; the
    /// first round of a phase has no predecessor to compare with, so it counts as first.
    function provenPrice(bytes calldata priceData, uint256 notBefore, bool firstAfter) external payable returns (uint256, uint256) {
        if (msg.value != 0) revert UnexpectedValue(msg.value);
        _requireSequencerUp();
        uint80 roundId = abi.decode(priceData, (uint80));
        (, int256 answer, , uint256 updatedAt, ) = feed.getRoundData(roundId);
        if (updatedAt < notBefore) revert RoundTooEarly(roundId, updatedAt, notBefore);
        if (firstAfter && uint64(roundId) > 1) {
            (, , , uint256 earlierUpdatedAt, ) = feed.getRoundData(roundId - 1);
            if (earlierUpdatedAt >= notBefore) revert NotFirstRoundAfter(roundId, roundId - 1, earlierUpdatedAt);
        }
        return (_toWad(answer), updatedAt);
    }

    /// @inheritdoc IPriceOracle
    function updateFee(bytes calldata) external pure returns (uint256) {
        return 0;
    }

    /// @dev The latest answer, validated for sign and range, as a WAD.
    function _latest() private view returns (uint256 priceWad, uint256 updatedAt) {
        int256 answer;
        (, answer, , updatedAt, ) = feed.latestRoundData();
        priceWad = _toWad(answer);
    }

    function _toWad(int256 answer) private view returns (uint256) {
        if (answer <= 0) revert NonPositivePrice(answer);
        if (answer < minAnswer || answer > maxAnswer) revert AnswerOutOfBounds(answer, minAnswer, maxAnswer);
        return (uint256(answer) * scaleUp) / scaleDown;
    }

    function _withinHeartbeat(uint256 updatedAt) private view returns (bool) {
        return updatedAt <= block.timestamp && block.timestamp - updatedAt <= heartbeat;
    }
}
