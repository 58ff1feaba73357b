// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {PerpMath} from "../libraries/PerpMath.sol";
import {Position} from "../types/PerpTypes.sol";
import {AdlGrid} from "./AdlGrid.sol";

/// @notice A position's place in its side's ADL queue, as views report it. Only the links are
/// stored (Position.adlPrev / adlNext); the rest follows from the position itself.
struct QueueNode {
    uint32 prev; // better-ranked neighbour in the bucket, 0 at the head
    uint32 next; // worse-ranked neighbour, 0 at the tail
    uint32 marketId;
    uint16 bucket;
    bool isLong;
    bool queued;
    int128 k; // entry - fundingSnapshot
}

/// @notice The ranked ADL queue of one market side: one sorted list per non-empty bucket.
struct SideQueue {
    /// @dev Bit b is set when bucket b is non-empty; lets the best-head search skip empty buckets.
    uint256[4] nonEmpty;
    /// @dev Bucket heads, eight uint32 ids per slot.
    mapping(uint256 slot => uint256) heads;
    /// @dev Each bucket head's k, two int128 per slot, so the best-head search reads one slot per
    /// two non-empty buckets.
    mapping(uint256 slot => uint256) headKeys;
}

/// @notice The heads of a side's non-empty buckets, loaded into memory.
struct Heads {
    uint16[] buckets;
    uint32[] ids; // 0 once a bucket has emptied during a run
    int128[] keys;
}

/// @title AdlQueue
/// @notice Ordered buckets of positions for auto-deleveraging. Inside a bucket, positions are sorted
/// best first: ascending k for longs, descending k for shorts, ties by lower position id. Since all
/// positions of a bucket share the slope edge, this order is the score order at every price, so a
/// bucket never needs re-sorting. The best position of the side at X is the best bucket head.
/// Membership is the position's own state: every open position is queued, in the bucket of its
/// current slope, with k = entry - fundingSnapshot. The engine unlinks a position before that state
/// changes and links it again after, passing the bucket and k it had or will have.
/// @dev Linked as an external library to keep the engine under the contract size limit.
library AdlQueue {
    /// @notice Links `id` into `bucket` after `hint` (0: at the head) and returns its links, which
    /// the caller stores with the position. The hint is verified against the queue in O(1); a stale
    /// one is corrected by walking from it (from the bucket head if the hint is no longer in the
    /// bucket) as far as needed. The walk is never cut short, so no hint, stale or griefed, can make
    /// an insert revert: a bad hint costs gas (about 5k per place walked), not liveness. The
    /// market's minimum position size prices each place an attacker can put in the way.
    function insert(
        SideQueue storage q,
        mapping(uint256 => Position) storage positions,
        uint256 valueDivisor,
        uint32 id,
        uint32 marketId,
        bool isLong,
        uint16 bucket,
        int128 k,
        uint32 hint
    ) external returns (uint32 prev, uint32 next) {
        (prev, next) = _place(q, positions, valueDivisor, id, marketId, isLong, bucket, k, hint);
        if (prev == 0) {
            _setHead(q, bucket, id, k);
            // A new head with a successor joined a bucket that was already non-empty.
            if (next == 0) _setNonEmpty(q, bucket, true);
        } else {
            positions[prev].adlNext = id;
        }
        if (next != 0) positions[next].adlPrev = id;
    }

    /// @notice Unlinks `id` from `bucket`, where it sits. Its own links go stale: the caller
    /// rewrites or deletes the position next.
    function remove(SideQueue storage q, mapping(uint256 => Position) storage positions, uint32 id, uint16 bucket) external {
        Position storage p = positions[id];
        (uint32 prev, uint32 next) = (p.adlPrev, p.adlNext);
        if (prev == 0) {
            if (next == 0) {
                _setNonEmpty(q, bucket, false);
                _setHead(q, bucket, 0, 0);
            } else {
                _setHead(q, bucket, next, int128(keyOf(positions[next])));
            }
        } else {
            positions[prev].adlNext = next;
        }
        if (next != 0) positions[next].adlPrev = prev;
    }

    /// @notice A position's key k = entry - fundingSnapshot: the order inside its bucket.
    function keyOf(Position storage p) internal view returns (int256) {
        return int256(uint256(p.entryPrice)) - p.fundingSnapshot;
    }

    /// @notice The one ranking rule of the protocol: `a` ranks ahead of `b` when its published score
    /// is higher, and on an exact tie when its position id is lower. Every ordering (inside a
    /// bucket, across bucket heads, in views) goes through here.
    function outranks(int256 scoreA, uint256 idA, int256 scoreB, uint256 idB) internal pure returns (bool) {
        if (scoreA != scoreB) return scoreA > scoreB;
        return idA < idB;
    }

    /// @notice Every non-empty bucket with its head and head key: a deleverage ranks these in memory
    /// and, after each fill, re-reads only the bucket it filled from.
    function heads(SideQueue storage q) internal view returns (Heads memory h) {
        uint256 count;
        for (uint256 w = 0; w < 4; ++w) {
            for (uint256 word = q.nonEmpty[w]; word != 0; word &= word - 1) ++count;
        }
        (h.buckets, h.ids, h.keys) = (new uint16[](count), new uint32[](count), new int128[](count));
        uint256 i;
        for (uint256 w = 0; w < 4; ++w) {
            for (uint256 word = q.nonEmpty[w]; word != 0; word &= word - 1) {
                uint16 b = uint16(w * 256 + _lowestBit(word));
                (h.buckets[i], h.ids[i], h.keys[i]) = (b, head(q, b), headKey(q, b));
                ++i;
            }
        }
    }

    /// @notice The best-ranked position of the side at `x`, its bucket and published score; id 0
    /// when the side is empty. Reads each non-empty bucket's head, whatever the queue size (views;
    /// a deleverage ranks the heads in memory).
    function best(SideQueue storage q, int256 x, bool isLong) external view returns (uint32 id, uint16 bucket, int256 bestScore) {
        bool found;
        for (uint256 w = 0; w < 4; ++w) {
            uint256 word = q.nonEmpty[w];
            while (word != 0) {
                uint256 bit = _lowestBit(word);
                word &= word - 1;
                uint16 b = uint16(w * 256 + bit);
                int256 s = AdlGrid.score(b, headKey(q, b), x, isLong);
                uint32 candidate = head(q, b);
                if (!found || outranks(s, candidate, bestScore, id)) (id, bucket, bestScore, found) = (candidate, b, s, true);
            }
        }
    }

    function head(SideQueue storage q, uint256 bucket) internal view returns (uint32) {
        return uint32(q.heads[bucket >> 3] >> ((bucket & 7) * 32));
    }

    function headKey(SideQueue storage q, uint256 bucket) internal view returns (int128) {
        return int128(uint128(q.headKeys[bucket >> 1] >> ((bucket & 1) * 128)));
    }

    function isNonEmpty(SideQueue storage q, uint256 bucket) internal view returns (bool) {
        return (q.nonEmpty[bucket >> 8] >> (bucket & 255)) & 1 == 1;
    }

    /// @notice Whether `a` ranks ahead of `b` inside one bucket: the score edge * (X - k) of a long
    /// falls as k rises (a short's rises), at every X, so the key alone orders the bucket.
    function ranksBefore(int256 kA, uint256 idA, int256 kB, uint256 idB, bool isLong) internal pure returns (bool) {
        return isLong ? outranks(-kA, idA, -kB, idB) : outranks(kA, idA, kB, idB);
    }

    // ─── Private ────────────────────────────────────────────────────────────────────────────

    /// @dev Finds (prev, next) for the new node, starting from the hint and walking as far as needed.
    function _place(
        SideQueue storage q,
        mapping(uint256 => Position) storage positions,
        uint256 valueDivisor,
        uint32 id,
        uint32 marketId,
        bool isLong,
        uint16 bucket,
        int128 k,
        uint32 hint
    ) private view returns (uint32 prev, uint32 next) {
        if (hint != id && _isQueuedIn(positions[hint], valueDivisor, marketId, isLong, bucket)) {
            (prev, next) = (hint, positions[hint].adlNext);
        } else {
            // No hint, or one that left this bucket since it was computed: walk from the head.
            next = head(q, bucket);
        }
        while (prev != 0 && !ranksBefore(keyOf(positions[prev]), prev, k, id, isLong)) {
            (next, prev) = (prev, positions[prev].adlPrev);
        }
        while (next != 0 && ranksBefore(keyOf(positions[next]), next, k, id, isLong)) {
            (prev, next) = (next, positions[next].adlNext);
        }
    }

    /// @dev Whether an open position (hence a queued one) sits in this market side's `bucket`.
    /// Position 0 never exists, so a zero hint is never queued.
    function _isQueuedIn(
        Position storage p,
        uint256 valueDivisor,
        uint32 marketId,
        bool isLong,
        uint16 bucket
    ) private view returns (bool) {
        int256 size = p.size;
        if (size == 0 || (size > 0) != isLong || p.marketId != marketId) return false;
        return AdlGrid.bucketOf(PerpMath.abs(size), p.margin, valueDivisor) == bucket;
    }

    function _setHead(SideQueue storage q, uint256 bucket, uint32 id, int128 k) private {
        uint256 shift = (bucket & 7) * 32;
        uint256 slot = bucket >> 3;
        q.heads[slot] = (q.heads[slot] & ~(uint256(type(uint32).max) << shift)) | (uint256(id) << shift);
        uint256 keyShift = (bucket & 1) * 128;
        uint256 keySlot = bucket >> 1;
        q.headKeys[keySlot] = (q.headKeys[keySlot] & ~(uint256(type(uint128).max) << keyShift)) | (uint256(uint128(k)) << keyShift);
    }

    function _setNonEmpty(SideQueue storage q, uint256 bucket, bool nonEmpty) private {
        uint256 mask = uint256(1) << (bucket & 255);
        uint256 word = q.nonEmpty[bucket >> 8];
        q.nonEmpty[bucket >> 8] = nonEmpty ? word | mask : word & ~mask;
    }

    /// @dev Index of the lowest set bit of a non-zero word.
    function _lowestBit(uint256 word) private pure returns (uint256) {
        return Math.log2(word & (~word + 1));
    }
}
