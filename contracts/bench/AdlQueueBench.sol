// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AdlGrid} from "../adl/AdlGrid.sol";
import {AdlQueue, SideQueue} from "../adl/AdlQueue.sol";
import {Position} from "../types/PerpTypes.sol";

/// @title AdlQueueBench
/// @notice Benchmark harness for the ADL queue alone (scripts/bench/gas-adl.ts): one long side whose
/// size and bucket spread the benchmark controls. Not part of the protocol.
/// @dev Positions here have margin 1 and a value divisor of 1e36, so a position's slope is its
/// size and a size of edge(b) puts it in bucket b.
contract AdlQueueBench {
    uint256 private constant VALUE_DIVISOR = 1e36;

    SideQueue internal _queue;
    mapping(uint256 => Position) internal _positions;
    mapping(uint16 bucket => uint32) public tailOf;
    uint32 public nextId = 1;

    /// @notice The gas of the queue operation alone (the library call, cold as in a real trade),
    /// without the transaction's 21k base cost or this harness's own bookkeeping.
    event QueueOpGas(uint256 gas);

    /// @notice Appends `count` positions round-robin over buckets [firstBucket, firstBucket + bucketCount),
    /// keys ascending so each lands at its bucket's tail with an exact hint.
    function seed(uint256 count, uint16 firstBucket, uint16 bucketCount) external {
        for (uint256 i = 0; i < count; ++i) {
            uint32 id = nextId++;
            uint16 b = firstBucket + uint16(id % bucketCount);
            _link(id, b, int128(int256(uint256(id)) * 1e12), tailOf[b]);
            tailOf[b] = id;
        }
    }

    function insert(uint16 bucket, int128 k, uint32 hint) external {
        uint32 id = nextId++;
        _open(id, bucket, k);
        uint256 before = gasleft();
        (uint32 prev, uint32 next) = AdlQueue.insert(_queue, _positions, VALUE_DIVISOR, id, 0, true, bucket, k, hint);
        emit QueueOpGas(before - gasleft());
        (_positions[id].adlPrev, _positions[id].adlNext) = (prev, next);
    }

    function remove(uint32 id) external {
        uint16 bucket = bucketOf(id);
        uint256 before = gasleft();
        AdlQueue.remove(_queue, _positions, id, bucket);
        emit QueueOpGas(before - gasleft());
        delete _positions[id];
    }

    /// @notice The queue work of one full ADL fill: find the best head at `x` and unlink it.
    function takeBest(int256 x) external {
        uint256 before = gasleft();
        (uint32 id, uint16 bucket, ) = AdlQueue.best(_queue, x, true);
        AdlQueue.remove(_queue, _positions, id, bucket);
        emit QueueOpGas(before - gasleft());
        delete _positions[id];
    }

    function position(uint32 id) external view returns (Position memory) {
        return _positions[id];
    }

    function bucketOf(uint32 id) public view returns (uint16) {
        return AdlGrid.bucketOf(uint256(int256(_positions[id].size)), 1, VALUE_DIVISOR);
    }

    function _link(uint32 id, uint16 bucket, int128 k, uint32 hint) private {
        _open(id, bucket, k);
        (uint32 prev, uint32 next) = AdlQueue.insert(_queue, _positions, VALUE_DIVISOR, id, 0, true, bucket, k, hint);
        (_positions[id].adlPrev, _positions[id].adlNext) = (prev, next);
    }

    /// @dev A long of size edge(bucket) and margin 1 (slope = size) whose key is `k`.
    function _open(uint32 id, uint16 bucket, int128 k) private {
        _positions[id] = Position(int128(uint128(AdlGrid.edge(bucket))), 1, uint128(k), 0, address(0), 0, 0, 0);
    }
}
