// The trader population of a scenario: who goes long or short, how big, how leveraged, and when
// they enter. Sizes are Pareto and leverage log-normal, so books are heavy-tailed as real ones are;
// `whales` adds a few very large positions on top.
import type { TraderSpec } from "./scenario.ts";
import type { Rng } from "./random.ts";

export interface Trader {
  /** 0-based; also the order accounts are created in, so the order of position ids. */
  index: number;
  isLong: boolean;
  /** Notional at entry, quote units. */
  notional: number;
  leverage: number;
  /** Step of the price path the trader opens at. */
  entryStep: number;
}

export function generateTraders(spec: TraderSpec, steps: number, rng: Rng): Trader[] {
  const traders: Trader[] = [];
  const lastStep = Math.max(0, steps - 1);
  for (const w of spec.whales) {
    for (let i = 0; i < w.count; i++) {
      traders.push({
        index: 0,
        isLong: w.side === "long",
        notional: w.notional,
        leverage: w.leverage,
        entryStep: Math.min(w.entryStep, lastStep),
      });
    }
  }
  for (let i = 0; i < spec.count; i++) {
    const notional = Math.min(spec.notional.max, rng.pareto(spec.notional.min, spec.notional.alpha));
    const leverage = Math.min(spec.leverage.max, Math.max(1, rng.logNormal(spec.leverage.median, spec.leverage.sigma)));
    const entry = rng.uniform(spec.entry.from, spec.entry.to);
    traders.push({
      index: 0,
      isLong: rng.next() < spec.longShare,
      notional,
      leverage,
      entryStep: Math.min(lastStep, Math.floor(entry * steps)),
    });
  }
  // Accounts open in entry order; within a step, in generation order.
  traders.sort((a, b) => a.entryStep - b.entryStep);
  traders.forEach((t, i) => (t.index = i));
  return traders;
}

/** A float amount to fixed point with `decimals` digits (sizes and margins of generated orders). */
export const toFixed = (amount: number, decimals: number) => BigInt(Math.round(amount * 1e6)) * 10n ** BigInt(decimals - 6);
