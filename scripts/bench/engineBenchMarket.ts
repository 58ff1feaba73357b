// What the engine-level gas benchmarks (gas-adl.ts, gas-stuffing.ts) share: their market and how
// they read a transaction's gas.
import type { MarketSpec } from "../lib/deployProtocol.ts";

/**
 * An ETH market at $3,000 with room for any book the benchmarks seed, pool-protection ADL always
 * due (so a fill can be measured), and no price impact: an open's queue hint is predicted at the
 * oracle price plus the fee, and on a book of 10,000 stuffed shorts impact would take ~$30 from the
 * newcomer's margin, moving it out of the stuffed bucket so that the attack's walk is not measured.
 */
export const ENGINE_BENCH_MARKET: MarketSpec = {
  name: "ETH",
  initialAnswer: 3000_00000000n,
  configure: (config) => ({
    ...config,
    maxShortSize: 100_000n * 10n ** 18n,
    maxLongSize: 100_000n * 10n ** 18n,
    maxPnlFactor: 10n ** 12n,
    targetPnlFactor: 5n * 10n ** 11n,
    impactSkewScale: 0n,
  }),
};

/** The gas a sent transaction used, once mined. */
export const gasOf = async (tx: Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>) => Number((await (await tx).wait())!.gasUsed);
