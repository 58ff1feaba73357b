// Indexes open positions from PositionUpdated events, in bounded block ranges and only up to the
// confirmation depth, and persists its progress so a restart neither loses nor repeats work.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { type PublicClient, parseAbiItem } from "viem";
import { type TrackedPosition, track } from "./risk.ts";

const positionUpdated = parseAbiItem(
  "event PositionUpdated(uint256 indexed positionId, address indexed account, uint32 indexed marketId, int256 size, uint256 margin, uint256 entryPrice, int256 fundingSnapshot, int256 sizeDelta, uint256 fillPrice, uint256 fee)",
);

export interface IndexerState {
  nextBlock: string; // bigint as decimal text
  open: Record<string, { marketId: number; size: string; margin: string; entryPrice: string; fundingSnapshot: string }>;
}

export class PositionIndexer {
  private nextBlock: bigint;
  private readonly open = new Map<bigint, TrackedPosition>();
  private readonly client: PublicClient;
  private readonly engine: `0x${string}`;
  private readonly confirmations: bigint;
  private readonly stateFile: string;
  private readonly maxRange: bigint;

  constructor(
    client: PublicClient,
    engine: `0x${string}`,
    deploymentBlock: bigint,
    confirmations: bigint,
    stateFile: string,
    maxRange = 2_000n,
  ) {
    this.client = client;
    this.engine = engine;
    this.confirmations = confirmations;
    this.stateFile = stateFile;
    this.maxRange = maxRange;
    this.nextBlock = deploymentBlock;
    try {
      const saved = JSON.parse(readFileSync(stateFile, "utf8")) as IndexerState;
      this.nextBlock = BigInt(saved.nextBlock);
      for (const [id, p] of Object.entries(saved.open)) {
        const position = {
          marketId: p.marketId,
          size: BigInt(p.size),
          margin: BigInt(p.margin),
          entryPrice: BigInt(p.entryPrice),
          fundingSnapshot: BigInt(p.fundingSnapshot),
        };
        this.open.set(BigInt(id), track({ id: BigInt(id), ...position }));
      }
    } catch {
      // No saved state: index from the deployment block.
    }
  }

  openIds(): bigint[] {
    return [...this.open.keys()].sort((a, b) => (a < b ? -1 : 1));
  }

  /** The last indexed state of every open position (the chain re-checks before any action). */
  positions(): Iterable<TrackedPosition> {
    return this.open.values();
  }

  /** Reads every confirmed log since the last run; returns how many blocks it advanced. */
  async sync(): Promise<bigint> {
    const head = await this.client.getBlockNumber();
    const safe = head - this.confirmations;
    const start = this.nextBlock;
    while (this.nextBlock <= safe) {
      const to = this.nextBlock + this.maxRange - 1n < safe ? this.nextBlock + this.maxRange - 1n : safe;
      const logs = await this.client.getLogs({ address: this.engine, event: positionUpdated, fromBlock: this.nextBlock, toBlock: to });
      for (const { args } of logs) {
        const id = args.positionId!;
        if (args.size === 0n) this.open.delete(id);
        else {
          const position = {
            marketId: Number(args.marketId),
            size: args.size!,
            margin: args.margin!,
            entryPrice: args.entryPrice!,
            fundingSnapshot: args.fundingSnapshot!,
          };
          this.open.set(id, track({ id, ...position }));
        }
      }
      this.nextBlock = to + 1n;
      this.persist();
    }
    return this.nextBlock - start;
  }

  /** Positions seen closed on-chain by another path (a racing keeper) leave the set early. */
  forget(id: bigint) {
    this.open.delete(id);
  }

  private persist() {
    const open: IndexerState["open"] = {};
    for (const [id, p] of this.open) {
      open[id.toString()] = {
        marketId: p.marketId,
        size: String(p.size),
        margin: String(p.margin),
        entryPrice: String(p.entryPrice),
        fundingSnapshot: String(p.fundingSnapshot),
      };
    }
    const state: IndexerState = { nextBlock: this.nextBlock.toString(), open };
    mkdirSync(dirname(this.stateFile), { recursive: true });
    // Write-then-rename: a crash mid-write never leaves a torn state file.
    writeFileSync(`${this.stateFile}.tmp`, JSON.stringify(state));
    renameSync(`${this.stateFile}.tmp`, this.stateFile);
  }
}
