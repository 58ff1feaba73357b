// The same metrics for every policy on one ADL event: who is hit, how much of their profit is
// taken, how unequal that is, how concentrated, how leveraged the payers are, how much open
// interest goes, and whether more than the deficit was taken.
import { type AdlSetting, type Candidate, leverageOf } from "./book.ts";
import type { Hit } from "./policies.ts";

export interface PolicyMetrics {
  accountsHit: number;
  /** Accounts charged with no profit to take from (socialised loss only). */
  losersCharged: number;
  /** Share of each hit winner's profit taken: max, 99th percentile, median. */
  shareTakenMax: number;
  shareTakenP99: number;
  shareTakenMedian: number;
  /** Gini coefficient of haircut / profit across all winners (0: everyone the same share). */
  gini: number;
  /** Share of the deficit paid by the 10 largest haircuts. */
  top10Share: number;
  leverageMedian: number;
  leverageMax: number;
  /** Size closed, base units (18 decimals). */
  oiRemoved: bigint;
  /** Total taken, token atoms. */
  charged: bigint;
  /** Taken beyond the deficit (exactly 0 for the protocol's queue). */
  overshoot: bigint;
  /** Deficit left uncovered (the vault bears it). */
  shortfall: bigint;
}

/** The q-quantile (0..1) of ascending-sorted values, nearest rank. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Gini coefficient of non-negative values (sorted ascending inside). */
export function gini(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const total = sorted.reduce((s, v) => s + v, 0);
  if (n === 0 || total === 0) return 0;
  let weighted = 0;
  sorted.forEach((v, i) => (weighted += (i + 1) * v));
  return (2 * weighted) / (n * total) - (n + 1) / n;
}

const ratio = (a: bigint, b: bigint) => Number(a) / Number(b);

export function measure(side: Candidate[], setting: AdlSetting, hits: Hit[]): PolicyMetrics {
  const byId = new Map(side.map((c) => [c.position.id, c]));
  const haircutOf = new Map<bigint, bigint>();
  let oiRemoved = 0n;
  for (const h of hits) {
    if (h.haircut === 0n && h.closedSize === 0n) continue;
    haircutOf.set(h.id, (haircutOf.get(h.id) ?? 0n) + h.haircut);
    oiRemoved += h.closedSize;
  }
  const hit = [...haircutOf.keys()].map((id) => byId.get(id)!);
  const winners = side.filter((c) => c.profit > 0n);
  const shares = hit
    .filter((c) => c.profit > 0n)
    .map((c) => ratio(haircutOf.get(c.position.id)!, c.profit))
    .sort((a, b) => a - b);
  const leverages = hit.map(leverageOf).sort((a, b) => a - b);
  const haircuts = [...haircutOf.values()].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
  const charged = haircuts.reduce((s, h) => s + h, 0n);
  const top10 = haircuts.slice(0, 10).reduce((s, h) => s + h, 0n);
  return {
    accountsHit: hit.length,
    losersCharged: hit.filter((c) => c.profit <= 0n).length,
    shareTakenMax: shares.at(-1) ?? 0,
    shareTakenP99: quantile(shares, 0.99),
    shareTakenMedian: quantile(shares, 0.5),
    gini: gini(winners.map((c) => ratio(haircutOf.get(c.position.id) ?? 0n, c.profit))),
    top10Share: setting.deficit === 0n ? 0 : ratio(top10, setting.deficit),
    leverageMedian: quantile(leverages, 0.5),
    leverageMax: leverages.at(-1) ?? 0,
    oiRemoved,
    charged,
    overshoot: charged > setting.deficit ? charged - setting.deficit : 0n,
    shortfall: charged < setting.deficit ? setting.deficit - charged : 0n,
  };
}
