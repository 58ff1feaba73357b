// Fidelity of the published ADL score to the exact return on margin.
// Part of `npm run bench`.
//
// Over random books, ranks one side's profitable positions two ways: by the published score
// (slope quantised to the grid, exact on-chain) and by the exact continuous return on margin
// size * (X - k) / margin. Reports how many of the ADL hits (published top-k) are also in the exact
// top-k, and the worst ratio between the exact return of a position that was hit and the best
// exact return of one that was skipped.
import { type RankedPosition, keyOf, rankSide } from "../../client/adl.ts";

const DIVISOR = 10n ** 30n;
const WAD = 10n ** 18n;

/** A seeded linear congruential generator: the same books on every run. */
function seededRandom(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

function randomBook(rand: () => number, size: number): { positions: RankedPosition[]; x: bigint } {
  const price = 3000n * WAD;
  const positions = Array.from({ length: size }, (_, i) => {
    const size = BigInt(Math.round(10 ** (rand() * 3) * 1e6)) * 10n ** 12n; // 1 to 1,000 ETH, log-uniform
    const leverage = 10 ** (rand() * Math.log10(20)); // 1x to 20x, log-uniform
    const entry = price + BigInt(Math.round((rand() - 0.5) * 0.2 * 3000 * 1e6)) * 10n ** 12n; // +-10%
    const notional = (size * entry) / DIVISOR;
    const margin = (notional * 1_000_000n) / BigInt(Math.round(leverage * 1e6));
    const fundingSnapshot = BigInt(Math.round((rand() - 0.5) * 20 * 1e6)) * 10n ** 12n;
    return { id: BigInt(i + 1), size, margin: margin === 0n ? 1n : margin, entryPrice: entry, fundingSnapshot };
  });
  const x = price + BigInt(Math.round((rand() - 0.3) * 0.2 * 3000 * 1e6)) * 10n ** 12n;
  return { positions, x };
}

/** Exact return on margin as a fraction num/den, compared by cross-multiplication. */
const exactReturn = (p: RankedPosition, x: bigint) => ({ num: p.size * (x - keyOf(p)), den: p.margin * DIVISOR });
const greater = (a: { num: bigint; den: bigint }, b: { num: bigint; den: bigint }) => a.num * b.den > b.num * a.den;
const ratio = (a: { num: bigint; den: bigint }, b: { num: bigint; den: bigint }) =>
  Number((a.num * b.den * 1_000_000n) / (b.num * a.den)) / 1e6;

export interface FidelityRow {
  topK: number;
  /** Share of the ADL hits (published top-k) that are also in the exact top-k, percent. */
  overlapPct: number;
  /** Worst exact return of a hit over the best exact return skipped; 1 when never out of order. */
  worstRatio: number;
}

/** `books` random books of `positions` positions each; the same books on every run. */
export function measureFidelity(books: number, positions: number): FidelityRow[] {
  const rand = seededRandom(20261125);
  const ks = [1, 10, 100];
  const overlap = new Map(ks.map((k) => [k, 0]));
  const worstRatio = new Map(ks.map((k) => [k, Infinity]));
  for (let book = 0; book < books; book++) {
    const { positions: sample, x } = randomBook(rand, positions);
    const published = rankSide(sample, x, DIVISOR).filter((r) => r.score > 0n);
    const exact = sample
      .map((p) => ({ p, r: exactReturn(p, x) }))
      .filter((e) => e.r.num > 0n)
      .sort((a, b) => (greater(a.r, b.r) ? -1 : greater(b.r, a.r) ? 1 : a.p.id < b.p.id ? -1 : 1));
    for (const k of ks) {
      const hits = new Set(published.slice(0, k).map((r) => r.position.id));
      const exactTop = new Set(exact.slice(0, k).map((e) => e.p.id));
      overlap.set(k, overlap.get(k)! + [...hits].filter((id) => exactTop.has(id)).length / k);
      const hitReturns = exact.filter((e) => hits.has(e.p.id)).map((e) => e.r);
      const skipped = exact.find((e) => !hits.has(e.p.id));
      if (!skipped || hitReturns.length === 0) continue;
      const worstHit = hitReturns.reduce((w, r) => (greater(w, r) ? r : w));
      if (greater(skipped.r, worstHit)) worstRatio.set(k, Math.min(worstRatio.get(k)!, ratio(worstHit, skipped.r)));
    }
  }
  return ks.map((k) => ({
    topK: k,
    overlapPct: Math.round((overlap.get(k)! / books) * 10000) / 100,
    worstRatio: worstRatio.get(k) === Infinity ? 1 : worstRatio.get(k)!,
  }));
}
