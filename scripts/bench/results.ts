// The shape of bench/results.json, the one source of the figures in BENCHMARKS.md.
import type { ExactnessResult } from "./adl-exactness.ts";
import type { FidelityRow } from "./adl-fidelity.ts";
import type { CoreOperation } from "./gas-core.ts";
import type { measureAdlGas } from "./gas-adl.ts";
import type { StuffingRow, measureStuffing } from "./gas-stuffing.ts";
import type { ColdStartResult } from "./keeper-cold-start.ts";
import type { LatencyResult } from "./keeper-latency.ts";
import type { ScanRow } from "./keeper-scan.ts";

/** One crash storm: a block profile, a number of racing keepers, and how long solvency took. */
export interface StormRun {
  profile: "L1" | "L2";
  blockGasLimit: number;
  blockSeconds: number;
  keepers: number;
  positions: number;
  /** Positions liquidatable right after the crash. */
  liquidatable: number;
  liquidations: number;
  /** Gas of the liquidation transactions over the liquidations they made. */
  gasPerLiquidation: number;
  adlFills: number;
  /** Blocks from the crash block (excluded) to the block after which nothing is liquidatable and no ADL debt is owed. */
  blocksToSolvent: number;
  secondsToSolvent: number;
  /** The gas the crash's work needs (limitGas, below) over the block gas limit: the physical limit. */
  limitBlocks: number;
  /** The work's gas: every liquidatable position times the single keeper's net gas per liquidation
   * (its inline ADL fills included), plus its deleverage calls' net gas (the ADL debt the inline
   * fills left); net of the 21,000 each transaction pays, which one transaction would pay once. */
  limitGas: number;
  /** The keepers' gas (reverted transactions included) over the blocks to solvent times the block
   * gas limit: below 100% by what the blocks left unused, idle blocks included. */
  blockFillPct: number;
  /** Keeper transactions mined, and how many of them reverted (lost races). */
  transactions: number;
  reverted: number;
  /** Real time from the crash to solvency on this machine. */
  wallSeconds: number;
}

export interface BenchResults {
  /** `later`: partial runs (`--only`) merged in after this one, each with its options and time. */
  /** `failed`: parts that threw, with the first line of their error. */
  meta: { date: string; commit: string; options: string; cpus: number; seconds: number; later?: string[]; failed?: string[] };
  gas?: Record<CoreOperation, number>;
  bytecode?: Record<string, number>;
  gasGrowth?: Partial<Awaited<ReturnType<typeof measureAdlGas>>["growth"] & Awaited<ReturnType<typeof measureStuffing>>["growth"]>;
  gasStuffing?: { rows: StuffingRow[] };
  adlGas?: { rows: Awaited<ReturnType<typeof measureAdlGas>>["rows"] };
  keeper?: {
    scanMs100k?: number;
    rssMb100k?: number;
    reactionMsP50?: number;
    reactionMsP90?: number;
    coldStartSec100k?: number;
    coldStart?: ColdStartResult;
    scan?: ScanRow[];
    latency?: LatencyResult;
  };
  adl?: { fidelity?: FidelityRow[]; rankExactnessPct?: number; overshootWei?: string; exactness?: ExactnessResult };
  storm?: {
    runs: StormRun[];
    /** Runs that did not reach solvency in time, with the reason. */
    failures: string[];
    /** The headline figures of the single-keeper L1 and L2 runs, e.g. storm.L1.blocksToSolvent. */
    L1?: StormRun;
    L2?: StormRun;
  };
}
