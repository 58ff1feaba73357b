// Indexes open positions from PositionUpdated events, in bounded block ranges, and persists its
// progress up to the confirmation depth so a restart neither loses nor repeats work. The blocks
// above that depth are read again on every sync into an overlay that is never persisted, so the
// keeper reacts to the head at once while a shallow reorg can only change what it re-reads.
// A reorg deeper than the confirmation depth is caught by the hash of the last indexed block; the
// index is then rebuilt from the chain's state at the new safe block, 500 positions per lens call.
// The state file names its chain and engine: a file of another deployment is set aside and the
// index rebuilt, never mixed with it.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { BlockNotFoundError, type Log, type PublicClient, getAbiItem, getAddress, parseEventLogs } from "viem";
import type { AddressBook } from "../scripts/lib/addressBook.ts";
import { perpEngineAbi } from "../sdk/src/abis.ts";
import { protocolReader } from "./contracts.ts";
import { logsInRange } from "./logRanges.ts";
import { type TrackedPosition, track } from "./risk.ts";

/** A position's changes, and listing or reconfiguring a market: the keeper re-reads that market's
 * constants then, and only then. */
const indexedEvents = [
  getAbiItem({ abi: perpEngineAbi, name: "PositionUpdated" }),
  getAbiItem({ abi: perpEngineAbi, name: "MarketListed" }),
  getAbiItem({ abi: perpEngineAbi, name: "MarketConfigUpdated" }),
];
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
  chainId: number;
  engine: `0x${string}`;
  nextBlock: string; // bigint as decimal text
  lastBlockHash?: `0x${string}`; // hash of block nextBlock - 1, to notice a reorg under it
  open: Record<string, SavedPosition>;
}

export interface IndexerOptions {
  client: PublicClient;
  chainId: number;
  engine: `0x${string}`;
  lens: `0x${string}`;
  deploymentBlock: bigint;
  confirmations: bigint;
  stateFile: string;
  maxRange?: bigint;
  /** Told why a saved state file was set aside. */
  onRebuild?: (reason: string) => void;
}

export interface SyncResult {
  blocks: bigint;
  /** The chain under the last indexed block changed, so the index was rebuilt from chain state. */
  reorg: boolean;
  /** Markets listed or reconfigured in the blocks read (confirmed or not). */
  marketsChanged: Set<number>;
}

type Change = StoredPosition & { id: bigint };

export class PositionIndexer {
  private nextBlock: bigint;
  private lastBlockHash: `0x${string}` | undefined;
  private readonly open = new Map<bigint, TrackedPosition>();
  /** Changes above the confirmation depth, re-read every sync: a position's latest state, or null once closed. */
  private unconfirmed = new Map<bigint, TrackedPosition | null>();
  private readonly options: Required<IndexerOptions>;

  constructor(options: IndexerOptions) {
    this.options = { maxRange: 2_000n, onRebuild: () => {}, ...options };
    this.nextBlock = options.deploymentBlock;
    let saved: IndexerState;
    try {
      saved = JSON.parse(readFileSync(options.stateFile, "utf8")) as IndexerState;
    } catch {
      return; // No saved state: index from the deployment block.
    }
    const here = `chain ${options.chainId} engine ${getAddress(options.engine)}`;
    const there = `chain ${saved.chainId ?? "?"} engine ${saved.engine ? getAddress(saved.engine) : "?"}`;
    if (here !== there) {
      options.onRebuild?.(`state file ${options.stateFile} is for ${there}, not ${here}: rebuilding the index from the deployment block`);
      return;
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
    return [...this.positions()].map((p) => p.id).sort((a, b) => (a < b ? -1 : 1));
  }

  /** The latest state, at the head, of every open position (the chain re-checks before any action). */
  *positions(): Iterable<TrackedPosition> {
    for (const [id, position] of this.open) if (!this.unconfirmed.has(id)) yield position;
    for (const position of this.unconfirmed.values()) if (position) yield position;
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
    const marketsChanged = new Set<number>();
    if (reorg) await this.resync(safe);
    while (this.nextBlock <= safe) {
      const to = this.nextBlock + maxRange - 1n < safe ? this.nextBlock + maxRange - 1n : safe;
      for (const change of this.decode(await this.logs(this.nextBlock, to), marketsChanged)) {
        if (change.size === 0n) this.open.delete(change.id);
        else this.remember(change.id, change);
      }
      await this.advanceTo(to);
    }
    // The unconfirmed blocks (at most `confirmations` of them) in one range, read afresh each time.
    this.unconfirmed = new Map();
    if (this.nextBlock <= head) {
      for (const change of this.decode(await this.logs(this.nextBlock, head), marketsChanged)) {
        this.unconfirmed.set(change.id, change.size === 0n ? null : track(change));
      }
    }
    return { blocks: this.nextBlock - start, reorg, marketsChanged };
  }

  /** Positions seen closed on-chain by another path (a racing keeper) leave the set early. */
  forget(id: bigint) {
    this.open.delete(id);
    this.unconfirmed.delete(id);
  }

  /** The indexed events of a block range (split when a response would be too large). */
  private logs(fromBlock: bigint, toBlock: bigint): Promise<Log[]> {
    return logsInRange(this.options.client, this.options.engine, indexedEvents, fromBlock, toBlock);
  }

  /** Position changes in log order; market listings and updates go to `marketsChanged`. */
  private decode(logs: Log[], marketsChanged: Set<number>): Change[] {
    const changes: Change[] = [];
    for (const log of parseEventLogs({ abi: indexedEvents, logs })) {
      if (log.eventName !== "PositionUpdated") {
        marketsChanged.add(log.args.marketId);
        continue;
      }
      const { positionId, marketId, size, margin, entryPrice, fundingSnapshot } = log.args;
      changes.push({ id: positionId, marketId, size, margin, entryPrice, fundingSnapshot });
    }
    return changes;
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
    const accounts = BigInt(await read.engine.accountCount({ blockNumber: safe }));
    for (let first = 1n; first <= accounts; first += RESYNC_ACCOUNTS) {
      const [ids, positions] = await read.lens.accountPositions([first, RESYNC_ACCOUNTS], { blockNumber: safe });
      positions.forEach(({ marketId, size, margin, entryPrice, fundingSnapshot }, i) => {
        if (size !== 0n) this.remember(ids[i], { marketId, size, margin, entryPrice, fundingSnapshot });
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
    const { chainId, engine } = this.options;
    const state: IndexerState = { chainId, engine, nextBlock: this.nextBlock.toString(), lastBlockHash: this.lastBlockHash, open };
    mkdirSync(dirname(this.options.stateFile), { recursive: true });
    // Write-then-rename: a crash mid-write never leaves a torn state file.
    writeFileSync(`${this.options.stateFile}.tmp`, JSON.stringify(state));
    renameSync(`${this.options.stateFile}.tmp`, this.options.stateFile);
  }
}

/** The indexer of a deployment's engine and lens, from the deployment block on. */
export function indexerForBook(
  client: PublicClient,
  book: AddressBook,
  confirmations: bigint,
  stateFile: string,
  onRebuild?: (reason: string) => void,
) {
  return new PositionIndexer({
    client,
    chainId: book.chainId,
    onRebuild,
    engine: book.engine,
    lens: book.lens,
    deploymentBlock: BigInt(book.deploymentBlock),
    confirmations,
    stateFile,
  });
}
