// The demo's book: a seeded, reproducible crowd of traders on both sides with mixed leverage, from
// cautious 1-5x positions to stretched ones near the 20x maximum.
export interface TraderIntent {
  isLong: boolean;
  /** Size in ETH with 3 decimals, as an integer number of milli-ETH. */
  sizeMilliEth: number;
  /** Leverage at the start price, in tenths (55 = 5.5x). */
  leverageTenths: number;
}

/** mulberry32: a small, well-known 32-bit PRNG, so a seed gives the same book on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Leverage bands and their shares of the crowd: most trade moderately, a quarter near the maximum. */
const LEVERAGE_BANDS = [
  { share: 0.4, low: 1, high: 5 },
  { share: 0.35, low: 5, high: 12 },
  { share: 0.25, low: 12, high: 19 },
];

function leverage(random: () => number): number {
  let pick = random();
  for (const band of LEVERAGE_BANDS) {
    if (pick < band.share) return Math.round((band.low + (band.high - band.low) * random()) * 10);
    pick -= band.share;
  }
  return LEVERAGE_BANDS[0].low * 10;
}

/** `count` traders, alternating sides (so both sides are equally crowded), sizes 0.5 to 8 ETH. */
export function population(count: number, seed: number): TraderIntent[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => ({
    isLong: i % 2 === 0,
    sizeMilliEth: Math.round((0.5 + 7.5 * random() ** 2) * 1000),
    leverageTenths: leverage(random),
  }));
}
