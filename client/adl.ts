// The published ADL score and ranking, in exact bigint arithmetic, mirroring contracts/adl/AdlGrid.sol
// and contracts/adl/AdlQueue.sol. Keepers use it to name deleverage counterparties and to compute
// queue hints; frontends use it to show ranks and quantiles; the tests use it as the brute-force
// reference the on-chain queue must match.

/** floor(2^(64 + j/8)) for j = 0..7: the published bucket-edge mantissas. */
export const EDGE_MANTISSA = [
  18446744073709551616n,
  20116317054877281741n,
  21936999301089678046n,
  23922467369310646740n,
  26087635650665564424n,
  28448768404004648378n,
  31023601929370129896n,
  33831477799106933341n,
] as const;
export const BUCKETS_PER_DOUBLING = 8;
export const BUCKET_COUNT = 1024;
const MAX_UINT256 = (1n << 256n) - 1n;

/** Lower edge of bucket `b`, as a slope (WAD leverage / price). */
export function bucketEdge(b: number): bigint {
  return (EDGE_MANTISSA[b & 7] << BigInt(b >> 3)) >> 64n;
}

/** slope = |size| * 1e36 / (valueDivisor * margin), rounded down; "infinite" at zero margin. */
export function slopeOf(absSize: bigint, margin: bigint, valueDivisor: bigint): bigint {
  if (margin === 0n) return MAX_UINT256;
  return (absSize * 10n ** 36n) / (valueDivisor * margin);
}

/** The largest bucket whose edge is at most the slope; slopes of 2^128 and beyond share the top one. */
export function bucketOfSlope(slope: bigint): number {
  if (slope === 0n) return 0;
  const doublings = slope.toString(2).length - 1;
  if (doublings >= BUCKET_COUNT / BUCKETS_PER_DOUBLING) return BUCKET_COUNT - 1;
  for (let j = 7; j > 0; j--) {
    if ((EDGE_MANTISSA[j] << BigInt(doublings)) >> 64n <= slope) return doublings * 8 + j;
  }
  return doublings * 8;
}

export const bucketOf = (absSize: bigint, margin: bigint, valueDivisor: bigint) => bucketOfSlope(slopeOf(absSize, margin, valueDivisor));

/** The published score: edge(bucket) * (x - k) for a long, edge(bucket) * (k - x) for a short. */
export function adlScore(bucket: number, k: bigint, x: bigint, isLong: boolean): bigint {
  return bucketEdge(bucket) * (isLong ? x - k : k - x);
}

export interface RankedPosition {
  id: bigint;
  /** Signed size: long > 0. */
  size: bigint;
  margin: bigint;
  entryPrice: bigint;
  fundingSnapshot: bigint;
}

export const keyOf = (p: RankedPosition) => p.entryPrice - p.fundingSnapshot;

/** The protocol's one ranking rule: the higher published score first; on an exact tie, the lower id. */
export function outranks(scoreA: bigint, idA: bigint, scoreB: bigint, idB: bigint): boolean {
  return scoreA !== scoreB ? scoreA > scoreB : idA < idB;
}

/** One side's positions sorted by published score at `x`, best first, ties by lower id. */
export function rankSide<P extends RankedPosition>(positions: P[], x: bigint, valueDivisor: bigint) {
  return positions
    .map((p) => {
      const bucket = bucketOf(p.size < 0n ? -p.size : p.size, p.margin, valueDivisor);
      return { position: p, bucket, score: adlScore(bucket, keyOf(p), x, p.size > 0n) };
    })
    .sort((a, b) => (outranks(a.score, a.position.id, b.score, b.position.id) ? -1 : 1));
}

/** Five lights: 5 for the first fifth of the ranking (deleveraged first) down to 1 for the last fifth. */
export function adlQuantile(rank: number, sideCount: number): number {
  return 5 - Math.floor(((rank - 1) * 5) / sideCount);
}

/** Whether (kA, idA) precedes (kB, idB) inside one bucket: a long's score falls as k rises. */
export function ranksBefore(kA: bigint, idA: bigint, kB: bigint, idB: bigint, isLong: boolean): boolean {
  return isLong ? outranks(-kA, idA, -kB, idB) : outranks(kA, idA, kB, idB);
}

/**
 * The margin an ADL fill of `closeSize` releases from a position: in proportion, rounded down,
 * unless that would move the remainder out of its bucket; then rounded up, so the position keeps
 * its bucket and its place in the queue.
 */
export function releasedMargin(margin: bigint, closeSize: bigint, absSize: bigint, valueDivisor: bigint): bigint {
  if (closeSize === absSize) return margin;
  const released = (margin * closeSize) / absSize;
  const bucket = bucketOf(absSize, margin, valueDivisor);
  const rest = absSize - closeSize;
  if (bucketOf(rest, margin - released, valueDivisor) === bucket || released >= margin) return released;
  return bucketOf(rest, margin - released - 1n, valueDivisor) === bucket ? released + 1n : released;
}

/**
 * The hint for inserting a position with key `k` into a bucket whose members are given in queue
 * order: the id of the member that should precede it, or 0n for the head. The position itself is
 * skipped, so this also serves a reinsertion.
 */
export function insertHint(bucketMembers: { id: bigint; k: bigint }[], k: bigint, id: bigint, isLong: boolean): bigint {
  let hint = 0n;
  for (const member of bucketMembers) {
    if (member.id === id) continue;
    if (!ranksBefore(member.k, member.id, k, id, isLong)) break;
    hint = member.id;
  }
  return hint;
}
