// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

/// @title SettableAggregator
/// @notice A Chainlink-compatible feed whose owner sets the answer. For local chains, testnets and
/// tests only: the product reads real Chainlink feeds through ChainlinkPriceOracle.
contract SettableAggregator is AggregatorV3Interface, Ownable {
    /// @dev Packed like Chainlink's own aggregators, so reads cost about what a real feed costs.
    struct Round {
        uint80 roundId;
        int128 answer;
        uint32 startedAt;
        uint32 updatedAt;
    }

    uint8 public immutable decimals;
    string public description;
    Round internal _latest;
    /// @dev Every round stays readable, as on a real aggregator: orders prove the first round
    /// published after them with getRoundData.
    mapping(uint80 roundId => Round) internal _rounds;

    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);

    error NoRoundData(uint80 roundId);

    constructor(uint8 decimals_, string memory description_, int256 initialAnswer) Ownable(msg.sender) {
        decimals = decimals_;
        description = description_;
        _setRound(initialAnswer, block.timestamp, block.timestamp);
    }

    /// @notice Publishes `answer` as of now.
    function setAnswer(int256 answer) external onlyOwner {
        _setRound(answer, block.timestamp, block.timestamp);
    }

    /// @notice Publishes a round with explicit timestamps, to simulate stale feeds or restarts.
    function setRoundData(int256 answer, uint256 startedAt, uint256 updatedAt) external onlyOwner {
        _setRound(answer, startedAt, updatedAt);
    }

    function version() external pure returns (uint256) {
        return 4;
    }

    function getRoundData(uint80 roundId) external view returns (uint80, int256, uint256, uint256, uint80) {
        Round memory r = _rounds[roundId];
        if (r.roundId == 0) revert NoRoundData(roundId);
        return (r.roundId, r.answer, r.startedAt, r.updatedAt, r.roundId);
    }

    function latestRoundData() public view returns (uint80, int256, uint256, uint256, uint80) {
        Round memory r = _latest;
        return (r.roundId, r.answer, r.startedAt, r.updatedAt, r.roundId);
    }

    function _setRound(int256 answer, uint256 startedAt, uint256 updatedAt) private {
        uint80 roundId = _latest.roundId + 1;
        _latest = Round(roundId, SafeCast.toInt128(answer), SafeCast.toUint32(startedAt), SafeCast.toUint32(updatedAt));
        _rounds[roundId] = _latest;
        emit AnswerUpdated(answer, roundId, updatedAt);
    }
}
