// Positions read back from the engine in the shape client/adl.ts ranks, for the demo and tests
// that check ADL fills against a brute-force ranking.
import type { RankedPosition } from "../../client/adl.ts";

/** Anything with the engine's `position(id)` view. */
export interface PositionSource {
  position(id: bigint): Promise<{ size: bigint; margin: bigint; entryPrice: bigint; fundingSnapshot: bigint }>;
}

/** The open positions among `ids`; only one side's when `isLong` is given. */
export async function openPositionsOf(engine: PositionSource, ids: Iterable<bigint>, isLong?: boolean): Promise<RankedPosition[]> {
  const all = await Promise.all([...ids].map(async (id) => ({ id, p: await engine.position(id) })));
  return all
    .filter(({ p }) => p.size !== 0n && (isLong === undefined || p.size > 0n === isLong))
    .map(({ id, p }) => ({ id, size: p.size, margin: p.margin, entryPrice: p.entryPrice, fundingSnapshot: p.fundingSnapshot }));
}
