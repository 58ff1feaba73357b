// Indexes open positions from PositionUpdated events, in bounded block ranges and only up to the
// confirmation depth, and persists its progress so a restart neither loses nor repeats work.
// A reorg deeper than the confirmation depth is caught by the hash of the last indexed block; the
// index is then rebuilt from the chain's state at the new safe block, 500 positions per lens call.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { BaseError, BlockNotFoundError, type PublicClient, ResponseBodyTooLargeError, parseAbiItem } from "viem";
import type { AddressBook } from "../scripts/lib/addressBook.ts";
import { protocolReader } from "./contracts.ts";
import { type TrackedPosition, track } from "./risk.ts";

const positionUpdated = parseAbiItem(
  "event PositionUpdated(uint256 indexed positionId, address indexed account, uint32 indexed marketId, int256 size, uint256 margin, uint256 entryPrice, int256 fundingSnapshot, int256 sizeDelta, uint256 fillPrice, uint256 fee)",
);
const tooLarge = (error: unknown) => error instanceof BaseError && error.walk((e) => e instanceof ResponseBodyTooLargeError) !== null;

/** Accounts per resync call: each brings one stored position per listed market. */
const RESYNC_ACCOUNTS = 500n;

type StoredPosition = Omit<TrackedPosition, "id" | "approx">;
interface SavedPosition {
  marketId: number;
  size: string;
  margin: string;
  entryPrice: string;
  fundingSnapshot: string;
}
export interface IndexerState {
  nextBlock: string; // bigint as decimal text
  lastBlockHash?: `0x${string}`; // hash of block nextBlock - 1, to notice a reorg under it
  open: Record<string, SavedPosition>;
}

export interface IndexerOptions {
  client: PublicClient;
  engine: `0x${string}`;
  lens: `0x${string}`;
  deploymentBlock: bigint;
  confirmations: bigint;
  stateFile: string;
  maxRange?: bigint;
}

export interface SyncResult {
  blocks: bigint;
  /** The chain under the last indexed block changed, so the index was rebuilt from chain state. */
  reorg: boolean;
}

export class PositionIndexer {
  private nextBlock: bigint;
  private lastBlockHash: `0x${string}` | undefined;
  private readonly open = new Map<bigint, TrackedPosition>();
  private readonly options: Required<IndexerOptions>;

  constructor(options: IndexerOptions) {
    this.options = { maxRange: 2_000n, ...options };
    this.nextBlock = options.deploymentBlock;
    let saved: IndexerState;
    try {
      saved = JSON.parse(readFileSync(options.stateFile, "utf8")) as IndexerState;
    } catch {
      return; // No saved state: index from the deployment block.
    }
    this.nextBlock = BigInt(saved.nextBlock);
    this.lastBlockHash = saved.lastBlockHash;
    for (const [id, p] of Object.entries(saved.open)) {
      this.remember(BigInt(id), {
        marketId: p.marketId,
        size: BigInt(p.size),
        margin: BigInt(p.margin),
        entryPrice: BigInt(p.entryPrice),
        fundingSnapshot: BigInt(p.fundingSnapshot),
      });
    }
  }

  openIds(): bigint[] {
    return [...this.open.keys()].sort((a, b) => (a < b ? -1 : 1));
  }

  /** The last indexed state of every open position (the chain re-checks before any action). */
  positions(): Iterable<TrackedPosition> {
    return this.open.values();
  }

  /** Reads every confirmed log since the last sync, after checking the chain under it still stands. */
  async sync(): Promise<SyncResult> {
    const { client, engine, confirmations, maxRange } = this.options;
    const [head, reorg] = await Promise.all([
      client.getBlockNumber({ cacheTime: 0 }), // viem caches it for seconds otherwise
      this.reorged(),
    ]);
    const safe = head - confirmations;
    const start = this.nextBlock;
    if (reorg) await this.resync(safe);
    let range = maxRange;
    while (this.nextBlock <= safe) {
      const to = this.nextBlock + range - 1n < safe ? this.nextBlock + range - 1n : safe;
      let logs;
      try {
        logs = await client.getLogs({ address: engine, event: positionUpdated, fromBlock: this.nextBlock, toBlock: to });
      } catch (error) {
        // A range dense with trades (a crash, bulk activity on a fast chain) can exceed the
        // transport's response limit: halve the range and go on, or the index never advances.
        if (!tooLarge(error) || range === 1n) throw error;
        range /= 2n;
        continue;
      }
      for (const { args } of logs) {
        const id = args.positionId!;
        if (args.size === 0n) this.open.delete(id);
        else {
          this.remember(id, {
            marketId: Number(args.marketId),
            size: args.size!,
            margin: args.margin!,
            entryPrice: args.entryPrice!,
            fundingSnapshot: args.fundingSnapshot!,
          });
        }
      }
      await this.advanceTo(to);
    }
    return { blocks: this.nextBlock - start, reorg };
  }

  /** Positions seen closed on-chain by another path (a racing keeper) leave the set early. */
  forget(id: bigint) {
    this.open.delete(id);
  }

  private remember(id: bigint, position: StoredPosition) {
    this.open.set(id, track({ id, ...position }));
  }

  private async reorged(): Promise<boolean> {
    if (this.lastBlockHash === undefined) return false;
    try {
      const block = await this.options.client.getBlock({ blockNumber: this.nextBlock - 1n });
      return block.hash !== this.lastBlockHash;
    } catch (error) {
      if (error instanceof BlockNotFoundError) return true; // the chain got shorter than our index
      throw error;
    }
  }

  /** Rebuilds the open set from the positions' stored state at block `safe`, then indexes on from it. */
  private async resync(safe: bigint) {
    const { client, engine, lens, deploymentBlock } = this.options;
    this.open.clear();
    if (safe < deploymentBlock) {
      this.nextBlock = deploymentBlock;
      this.lastBlockHash = undefined;
      this.persist();
      return;
    }
    const read = protocolReader(client, { engine, lens });
    const accounts = BigInt(await read.engine<number>("accountCount", [], safe));
    for (let first = 1n; first <= accounts; first += RESYNC_ACCOUNTS) {
      const [ids, positions] = await read.lens<readonly [readonly bigint[], readonly StoredPosition[]]>(
        "accountPositions",
        [first, RESYNC_ACCOUNTS],
        safe,
      );
      positions.forEach(({ marketId, size, margin, entryPrice, fundingSnapshot }, i) => {
        if (size !== 0n) this.remember(ids[i], { marketId: Number(marketId), size, margin, entryPrice, fundingSnapshot });
      });
    }
    await this.advanceTo(safe);
  }

  private async advanceTo(block: bigint) {
    this.lastBlockHash = (await this.options.client.getBlock({ blockNumber: block })).hash;
    this.nextBlock = block + 1n;
    this.persist();
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
    const state: IndexerState = { nextBlock: this.nextBlock.toString(), lastBlockHash: this.lastBlockHash, open };
    mkdirSync(dirname(this.options.stateFile), { recursive: true });
    // Write-then-rename: a crash mid-write never leaves a torn state file.
    writeFileSync(`${this.options.stateFile}.tmp`, JSON.stringify(state));
    renameSync(`${this.options.stateFile}.tmp`, this.options.stateFile);
  }
}

/** The indexer of a deployment's engine and lens, from the deployment block on. */
export function indexerForBook(client: PublicClient, book: AddressBook, confirmations: bigint, stateFile: string) {
  return new PositionIndexer({
    client,
    engine: book.engine,
    lens: book.lens,
    deploymentBlock: BigInt(book.deploymentBlock),
    confirmations,
    stateFile,
  });
}
