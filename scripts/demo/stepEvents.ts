// What the keeper did in one price step, read back from the engine's events: liquidations by kind,
// insurance draws, deficits handed to ADL, and ADL fills by mode.
import type { PerpEngine } from "../../types/ethers-contracts/index.ts";
import type { AdlFillRecord } from "./adlAudit.ts";

export interface LiquidationRecord {
  positionId: bigint;
  kind: "partial" | "full" | "bankrupt";
  closedSize: bigint;
  equityBefore: bigint;
  keeperReward: bigint;
  deficit: bigint;
}

export interface StepEvents {
  liquidations: LiquidationRecord[];
  insuranceDrawn: bigint;
  deficitToAdl: bigint;
  borneByVault: bigint;
  /** Every ADL fill, in log order; of them, bankruptcy ADL takes a haircut of the profit, and pool
   * protection closes at the oracle price with none. */
  adlFills: AdlFillRecord[];
  bankruptcyFills: AdlFillRecord[];
  poolProtectionFills: AdlFillRecord[];
}

const sum = (values: bigint[]) => values.reduce((a, b) => a + b, 0n);

export async function stepEvents(engine: PerpEngine, fromBlock: number, toBlock: number): Promise<StepEvents> {
  const { filters } = engine;
  const [liquidated, drawn, uncovered, borne, fills] = await Promise.all([
    engine.queryFilter(filters.Liquidated(), fromBlock, toBlock),
    engine.queryFilter(filters.InsuranceDrawn(), fromBlock, toBlock),
    engine.queryFilter(filters.DeficitUncovered(), fromBlock, toBlock),
    engine.queryFilter(filters.DeficitBorneByVault(), fromBlock, toBlock),
    engine.queryFilter(filters.AdlFill(), fromBlock, toBlock),
  ]);
  const liquidations = await Promise.all(
    liquidated.map(async ({ args, blockNumber }): Promise<LiquidationRecord> => {
      const left = (await engine.position(args.positionId, { blockTag: blockNumber })).size;
      const kind = args.deficit > 0n ? "bankrupt" : left === 0n ? "full" : "partial";
      const { positionId, closedSize, equityBefore, keeperReward, deficit } = args;
      return { positionId, kind, closedSize, equityBefore, keeperReward, deficit };
    }),
  );
  const adlFills: AdlFillRecord[] = fills.map(({ args, blockNumber, transactionHash }) => ({
    positionId: args.positionId,
    isLong: args.isLong,
    blockNumber,
    transactionHash,
    closedSize: args.closedSize,
    haircut: args.haircut,
    realisedPnl: args.realisedPnl,
  }));
  return {
    liquidations,
    insuranceDrawn: sum(drawn.map((e) => e.args.amount)),
    deficitToAdl: sum(uncovered.map((e) => e.args.amount)),
    borneByVault: sum(borne.map((e) => e.args.amount)),
    adlFills,
    bankruptcyFills: adlFills.filter((f) => f.haircut > 0n),
    poolProtectionFills: adlFills.filter((f) => f.haircut === 0n),
  };
}
