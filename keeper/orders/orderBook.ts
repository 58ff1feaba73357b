// The pending orders, indexed from OrderCreated / OrderExecuted / OrderCancelled logs. On start it
// catches up from the deployment block (orders live minutes to hours, so nothing is persisted); the
// blocks up to the confirmation depth are indexed once, the newer ones re-read into an overlay on
// every sync, as keeper/indexer.ts does for positions. A reorg deeper than the confirmation depth
// (the last indexed block's hash changed) re-reads the whole history: the chain decides again.
import { BlockNotFoundError, type Log, type PublicClient, getAbiItem, parseEventLogs } from "viem";
import { perpEngineAbi } from "../../sdk/src/abis.ts";
import type { Order } from "../../sdk/src/types.ts";
import { logsInRange } from "../logRanges.ts";

/** The Order struct (contracts/types/PerpTypes.sol) of a pending order, with its id. */
export type PendingOrder = Order & { id: bigint };

const orderEvents = [
  getAbiItem({ abi: perpEngineAbi, name: "OrderCreated" }),
  getAbiItem({ abi: perpEngineAbi, name: "OrderExecuted" }),
  getAbiItem({ abi: perpEngineAbi, name: "OrderCancelled" }),
];

export interface OrderBookOptions {
  client: PublicClient;
  engine: `0x${string}`;
  deploymentBlock: bigint;
  confirmations: bigint;
  maxRange?: bigint;
}

export class OrderBook {
  private nextBlock: bigint;
  private lastBlockHash: `0x${string}` | undefined;
  private readonly confirmed = new Map<bigint, PendingOrder>();
  /** Created (the order) or gone (null) in the blocks above the confirmation depth. */
  private unconfirmed = new Map<bigint, PendingOrder | null>();
  private readonly options: Required<OrderBookOptions>;

  constructor(options: OrderBookOptions) {
    this.options = { maxRange: 2_000n, ...options };
    this.nextBlock = options.deploymentBlock;
  }

  /** Pending orders, oldest first: the queue is served in the order it was requested. */
  pending(): PendingOrder[] {
    const all = [...this.confirmed.values()].filter((o) => !this.unconfirmed.has(o.id));
    for (const order of this.unconfirmed.values()) if (order) all.push(order);
    return all.sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  /** An order this keeper saw executed, cancelled or missing on-chain leaves the book before its event is indexed. */
  forget(id: bigint) {
    this.confirmed.delete(id);
    if (this.unconfirmed.has(id)) this.unconfirmed.set(id, null);
  }

  async sync(): Promise<void> {
    const { client, confirmations, maxRange } = this.options;
    const [head, reorged] = await Promise.all([client.getBlockNumber({ cacheTime: 0 }), this.reorged()]);
    if (reorged) {
      this.confirmed.clear();
      this.nextBlock = this.options.deploymentBlock;
      this.lastBlockHash = undefined;
    }
    const safe = head - confirmations;
    while (this.nextBlock <= safe) {
      const to = this.nextBlock + maxRange - 1n < safe ? this.nextBlock + maxRange - 1n : safe;
      this.apply(await this.logs(this.nextBlock, to), this.confirmed);
      this.lastBlockHash = (await client.getBlock({ blockNumber: to })).hash;
      this.nextBlock = to + 1n;
    }
    const overlay = new Map<bigint, PendingOrder | null>();
    if (this.nextBlock <= head) this.apply(await this.logs(this.nextBlock, head), overlay);
    this.unconfirmed = overlay;
  }

  private logs(fromBlock: bigint, toBlock: bigint): Promise<Log[]> {
    return logsInRange(this.options.client, this.options.engine, orderEvents, fromBlock, toBlock);
  }

  /** Applies events in log order: to the confirmed set (a gone order is deleted) or the overlay (marked null). */
  private apply(logs: Log[], into: Map<bigint, PendingOrder | null>) {
    for (const log of parseEventLogs({ abi: orderEvents, logs })) {
      const { orderId } = log.args;
      if (log.eventName === "OrderCreated") into.set(orderId, { id: orderId, ...log.args.order });
      else if (into === this.confirmed) into.delete(orderId);
      else into.set(orderId, null);
    }
  }

  private async reorged(): Promise<boolean> {
    if (this.lastBlockHash === undefined) return false;
    try {
      return (await this.options.client.getBlock({ blockNumber: this.nextBlock - 1n })).hash !== this.lastBlockHash;
    } catch (error) {
      if (error instanceof BlockNotFoundError) return true; // the chain got shorter than the index
      throw error;
    }
  }
}
