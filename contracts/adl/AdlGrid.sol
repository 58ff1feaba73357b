// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title AdlGrid
/// @notice The published ADL score. A position's exact return on margin is `a * (X - k)` for a long
/// and `a * (k - X)` for a short, with X = price - fundingIndex, k = entry - fundingSnapshot and
/// slope a = size / margin. The score replaces `a` by the lower edge of its bucket on a geometric
/// grid with BUCKETS_PER_DOUBLING buckets per doubling, so inside a bucket the order by k never
/// changes with price.
/// @dev The slope is measured as `slope = |size| * 1e36 / (valueDivisor * margin)`, a WAD number equal
/// to leverage / price and independent of the token's decimals. Bucket b covers
/// [edge(b), edge(b + 1)) with edge(b) = (EDGE_MANTISSA[b % 8] << (b / 8)) >> 64, where the
/// mantissas are floor(2^(64 + j/8)); slopes of 2^128 and beyond share the top bucket.
library AdlGrid {
    uint256 internal constant BUCKETS_PER_DOUBLING = 8; // steps of at most 2^(1/8) - 1 = 9.05%
    uint256 internal constant BUCKET_COUNT = 1024; // 128 doublings
    uint256 internal constant TOP_BUCKET = BUCKET_COUNT - 1;

    /// @notice Lower edge of bucket `b` as a slope.
    function edge(uint256 b) internal pure returns (uint256) {
        return (_mantissa(b & 7) << (b >> 3)) >> 64;
    }

    /// @notice The slope of a position: leverage / price, as a WAD.
    function slope(uint256 absSize, uint256 margin, uint256 valueDivisor) internal pure returns (uint256) {
        if (margin == 0) return type(uint256).max;
        return Math.mulDiv(absSize, 1e36, valueDivisor * margin);
    }

    /// @notice The bucket holding `slopeWad`: the largest b with edge(b) <= slopeWad.
    function bucketOfSlope(uint256 slopeWad) internal pure returns (uint16) {
        if (slopeWad == 0) return 0;
        uint256 doublings = Math.log2(slopeWad);
        if (doublings >= BUCKET_COUNT / BUCKETS_PER_DOUBLING) return uint16(TOP_BUCKET);
        for (uint256 j = 7; j > 0; --j) {
            if ((_mantissa(j) << doublings) >> 64 <= slopeWad) return uint16(doublings * 8 + j);
        }
        return uint16(doublings * 8);
    }

    function bucketOf(uint256 absSize, uint256 margin, uint256 valueDivisor) internal pure returns (uint16) {
        return bucketOfSlope(slope(absSize, margin, valueDivisor));
    }

    /// @notice The published score at `x`: edge(bucket) * (x - k) for a long, edge(bucket) * (k - x)
    /// for a short. Positive exactly when the position is in profit net of funding.
    function score(uint256 bucket, int256 k, int256 x, bool isLong) internal pure returns (int256) {
        return int256(edge(bucket)) * (isLong ? x - k : k - x);
    }

    /// @dev floor(2^(64 + j/8)) for j = 0..7.
    function _mantissa(uint256 j) private pure returns (uint256) {
        if (j < 4) {
            if (j == 0) return 18446744073709551616;
            if (j == 1) return 20116317054877281741;
            if (j == 2) return 21936999301089678046;
            return 23922467369310646740;
        }
        if (j == 4) return 26087635650665564424;
        if (j == 5) return 28448768404004648378;
        if (j == 6) return 31023601929370129896;
        return 33831477799106933341;
    }
}
