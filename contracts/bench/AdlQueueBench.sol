// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AdlQueue, QueueNode, SideQueue} from "../adl/AdlQueue.sol";

/// @title AdlQueueBench
/// @notice Benchmark harness for the ADL queue alone (scripts/bench/gas-adl.ts): one long side whose
/// size and bucket spread the benchmark controls. Not part of the protocol.
contract AdlQueueBench {
    SideQueue internal _queue;
    mapping(uint256 => QueueNode) internal _nodes;
    mapping(uint16 bucket => uint32) public tailOf;
    uint32 public nextId = 1;

    /// @notice The gas of the queue operation alone (the library call, cold as in a real trade),
    /// without the transaction's 21k base cost or this harness's own bookkeeping.
    event QueueOpGas(uint256 gas);

    /// @notice Appends `count` nodes round-robin over buckets [firstBucket, firstBucket + bucketCount),
    /// keys ascending so each lands at its bucket's tail with an exact hint.
    function seed(uint256 count, uint16 firstBucket, uint16 bucketCount) external {
        for (uint256 i = 0; i < count; ++i) {
            uint32 id = nextId++;
            uint16 b = firstBucket + uint16(id % bucketCount);
            AdlQueue.insert(_queue, _nodes, id, 0, true, b, int128(int256(uint256(id)) * 1e12), tailOf[b]);
            tailOf[b] = id;
        }
    }

    function insert(uint16 bucket, int128 k, uint32 hint) external {
        uint32 id = nextId++;
        uint256 before = gasleft();
        AdlQueue.insert(_queue, _nodes, id, 0, true, bucket, k, hint);
        emit QueueOpGas(before - gasleft());
    }

    function remove(uint32 id) external {
        uint256 before = gasleft();
        AdlQueue.remove(_queue, _nodes, id);
        emit QueueOpGas(before - gasleft());
    }

    /// @notice The queue work of one full ADL fill: find the best head at `x` and unlink it.
    function takeBest(int256 x) external {
        uint256 before = gasleft();
        (uint32 id, , ) = AdlQueue.best(_queue, x, true);
        AdlQueue.remove(_queue, _nodes, id);
        emit QueueOpGas(before - gasleft());
    }

    function node(uint32 id) external view returns (QueueNode memory) {
        return _nodes[id];
    }
}
