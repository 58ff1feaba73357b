// Checks every ADL fill of a block range against the brute-force ranking: the positions a
// transaction deleveraged must be exactly the top of their side's ranking at that transaction's
// price, in order, as client/adl.ts computes it from the positions as they stood just before it.
import type { ChainlinkPriceOracle, PerpEngine } from "../../types/ethers-contracts/index.ts";
import { rankSide } from "../../client/adl.ts";

export interface AdlFillRecord {
  positionId: bigint;
  isLong: boolean;
  blockNumber: number;
  transactionHash: string;
  closedSize: bigint;
  haircut: bigint;
  realisedPnl: bigint;
}

export interface RankAudit {
  transactions: number;
  fills: number;
  /** Transactions whose fills were not the top of the brute-force ranking; empty when all are. */
  violations: { transactionHash: string; filled: string[]; expected: string[] }[];
}

/** Consecutive fills of one position (a partial fill that stays on top) count as one hit. */
function distinctRun(ids: bigint[]): bigint[] {
  return ids.filter((id, i) => i === 0 || ids[i - 1] !== id);
}

export async function auditRankOrder(
  engine: PerpEngine,
  oracle: ChainlinkPriceOracle,
  marketId: number,
  positionIds: bigint[],
  fills: AdlFillRecord[],
): Promise<RankAudit> {
  const valueDivisor = await engine.valueDivisor();
  const byTransaction = new Map<string, AdlFillRecord[]>();
  for (const fill of fills) byTransaction.set(fill.transactionHash, [...(byTransaction.get(fill.transactionHash) ?? []), fill]);
  const violations: RankAudit["violations"] = [];
  for (const [transactionHash, txFills] of byTransaction) {
    const { blockNumber, isLong } = txFills[0];
    const before = { blockTag: blockNumber - 1 };
    const side = (await Promise.all(positionIds.map(async (id) => ({ id, p: await engine.position(id, before) })))).filter(
      ({ p }) => p.size !== 0n && p.size > 0n === isLong,
    );
    const at = { blockTag: blockNumber };
    const x = (await oracle.price(at)) - (await engine.marketState(marketId, at)).fundingIndex;
    const ranked = rankSide(
      side.map(({ id, p }) => ({ id, size: p.size, margin: p.margin, entryPrice: p.entryPrice, fundingSnapshot: p.fundingSnapshot })),
      x,
      valueDivisor,
    );
    const filled = distinctRun(txFills.map((fill) => fill.positionId));
    const expected = ranked.slice(0, filled.length).map((r) => r.position.id);
    const inOrder =
      filled.length === expected.length && filled.every((id, i) => id === expected[i]) && new Set(filled).size === filled.length;
    if (!inOrder) violations.push({ transactionHash, filled: filled.map(String), expected: expected.map(String) });
  }
  return { transactions: byTransaction.size, fills: fills.length, violations };
}
