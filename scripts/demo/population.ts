// The demo's book: a seeded, reproducible crowd of traders on both sides with mixed leverage, from
// cautious 1-5x positions to stretched ones near the 20x maximum.
import { Rng } from "../../backtest/random.ts";

export interface TraderIntent {
  isLong: boolean;
  /** Size in ETH with 3 decimals, as an integer number of milli-ETH. */
  sizeMilliEth: number;
  /** Leverage at the start price, in tenths (55 = 5.5x). */
  leverageTenths: number;
  /** The band it was drawn from, e.g. "5-12x". */
  leverageBand: string;
}

/** Leverage bands and their shares of the crowd: most trade moderately, a quarter near the maximum. */
const LEVERAGE_BANDS = [
  { share: 0.4, low: 1, high: 5 },
  { share: 0.35, low: 5, high: 12 },
  { share: 0.25, low: 12, high: 19 },
];

function leverage(rng: Rng): Pick<TraderIntent, "leverageTenths" | "leverageBand"> {
  let pick = rng.next();
  // The last band also takes what rounding leaves of the shares.
  const band = LEVERAGE_BANDS.find((b) => (pick -= b.share) < 0) ?? LEVERAGE_BANDS.at(-1)!;
  return { leverageTenths: Math.round(rng.uniform(band.low, band.high) * 10), leverageBand: `${band.low}-${band.high}x` };
}

/** How many of `intents` were drawn from each leverage band, in the bands' order. */
export const countByLeverageBand = (intents: TraderIntent[]): Record<string, number> =>
  Object.fromEntries(
    LEVERAGE_BANDS.map(({ low, high }) => `${low}-${high}x`).map((label) => [
      label,
      intents.filter((i) => i.leverageBand === label).length,
    ]),
  );

/** `count` traders, alternating sides (so both sides are equally crowded), sizes 0.5 to 8 ETH. */
export function population(count: number, seed: number): TraderIntent[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, (_, i) => ({
    isLong: i % 2 === 0,
    sizeMilliEth: Math.round((0.5 + 7.5 * rng.next() ** 2) * 1000),
    ...leverage(rng),
  }));
}
