// Order execution, one step of the keeper's tick (after liquidations and ADL): index the pending
// orders, plan each one against its market's prices (plan.ts), simulate each planned execution on
// its own (eth_estimateGas of executeOrder: an order that would only be skipped never costs gas, and
// the estimate bounds the entry's cost), then send the survivors in executeOrders batches sized
// by those estimates to the gas one transaction may use (batches.ts).
import type { Logger } from "pino";
import type { PublicClient } from "viem";
import type { AddressBook } from "../../scripts/lib/addressBook.ts";
import type { KeeperConfig } from "../config.ts";
import { perpEngineAbi } from "../../sdk/src/abis.ts";
import { contractCall } from "../contracts.ts";
import type { KeeperMetrics } from "../metrics.ts";
import { type SendOutcome, type TransactionSender, revertName } from "../sender.ts";
import { type Batch, gasBatches, usableGas } from "./batches.ts";
import { HintFinder, NO_HINT } from "./hints.ts";
import { OrderBook, type PendingOrder } from "./orderBook.ts";
import { orderOutcomes } from "./outcomes.ts";
import { type OrderPlan, planOrder } from "./plan.ts";
import { OrderPriceSources, priceSourceFailure } from "./priceSources.ts";

/** Simulations in flight at once (viem batches them into few HTTP requests). */
const SIMULATION_PARALLEL = 16;
type Planned = { order: PendingOrder; hint: number } & Extract<OrderPlan, { action: "execute" }>;
type Executable = Planned & { gas: bigint };

export interface OrderExecutorDeps {
  client: PublicClient;
  book: AddressBook;
  sender: TransactionSender;
  metrics: KeeperMetrics;
  config: KeeperConfig;
  log: Logger;
}

export class OrderExecutor {
  private readonly deps: OrderExecutorDeps;
  private readonly orders: OrderBook;
  private readonly prices: OrderPriceSources;
  private readonly hints: HintFinder;
  private syncing: Promise<void> | undefined;
  /** The last reason each order waited for, to log a change once rather than every tick. */
  private readonly waiting = new Map<bigint, string>();
  /** Markets whose price source failed, with the error, to log a change once. */
  private readonly unpriced = new Map<number, string>();

  constructor(deps: OrderExecutorDeps) {
    this.deps = deps;
    const { client, book, config } = deps;
    this.orders = new OrderBook({
      client,
      engine: book.engine,
      deploymentBlock: BigInt(book.deploymentBlock),
      confirmations: BigInt(config.confirmations),
    });
    this.prices = new OrderPriceSources(client, book.engine, config.hermesEndpoints);
    this.hints = new HintFinder(client, book.engine, book.lens);
  }

  /**
   * Starts indexing the orders requested, executed or cancelled since the last sync, and returns at
   * once: the tick starts it with its first reads (one JSON-RPC batch when idle) and awaits it only
   * in tick(), so the catch-up from the deployment block after a start never delays a liquidation.
   */
  startSync() {
    // After the previous one, never alongside it: a tick that failed early left it unawaited.
    const previous = this.syncing ?? Promise.resolve();
    this.syncing = previous.catch(() => undefined).then(() => this.orders.sync());
    // Awaited (and rethrown) by tick(); until then a failure must not count as unhandled.
    this.syncing.catch(() => undefined);
  }

  /** One pass over the pending orders once the sync started by startSync() is done; `blockGasLimit` bounds each batch. */
  async tick(blockGasLimit: bigint): Promise<void> {
    const { client, book, metrics } = this.deps;
    await this.syncing;
    const pending = this.orders.pending();
    metrics.ordersPending.set(pending.length);
    const ids = new Set(pending.map((o) => o.id));
    for (const id of this.waiting.keys()) if (!ids.has(id)) this.waiting.delete(id);
    if (pending.length === 0) return;
    const [settings, block, sources] = await Promise.all([
      client.readContract({ address: book.engine, abi: perpEngineAbi, functionName: "orderSettings" }),
      client.getBlock(),
      this.prices.refreshed(
        pending.map((o) => o.marketId),
        (marketId, error) => this.noteUnpriced(marketId, error),
      ),
    ]);
    for (const marketId of this.unpriced.keys()) if (sources.has(marketId)) this.noteUnpriced(marketId, undefined);
    const timing = { minExecutionDelay: Number(settings.minExecutionDelay), maxPriceAge: Number(settings.maxPriceAge) };
    // Orders of a market whose price source cannot be read wait (logged once per market).
    const priced = pending.filter((o) => sources.has(o.marketId));
    const plans = await Promise.all(
      priced.map((order) =>
        planOrder(order, sources.get(order.marketId)!, timing, Number(block.timestamp)).catch((error: unknown): OrderPlan => {
          // A Hermes endpoint failing mid-tick holds up this order only.
          const failure = priceSourceFailure(error);
          if (failure === undefined) throw error;
          return { action: "wait", reason: failure };
        }),
      ),
    );
    const fills: Omit<Planned, "hint">[] = [];
    plans.forEach((plan, i) => {
      if (plan.action === "execute") fills.push({ order: priced[i], ...plan });
      else this.noteWaiting(priced[i].id, plan.reason);
    });
    // The next block is at least a second later: the funding the hint's key includes accrues to it.
    const next = block.timestamp + 1n;
    const hints = await Promise.all(
      fills.map((f) => {
        if (f.priceWad === undefined) return NO_HINT; // cancelled as expired: no fill
        // A hint that cannot be read is only gas: the engine walks the bucket instead.
        return this.hints.hint(f.order, f.priceWad, next).catch((error: unknown) => {
          if (revertName(error) === undefined) throw error;
          return NO_HINT;
        });
      }),
    );
    const planned = fills.map((f, i) => ({ ...f, hint: hints[i] }));
    const executable = await this.simulated(planned);
    for (const batch of gasBatches(executable, this.deps.config.maxOrdersPerBatch, blockGasLimit)) await this.send(batch, blockGasLimit);
  }

  /** The planned executions that succeed when simulated one by one, with their gas; the others wait, logged with the revert. */
  private async simulated(planned: Planned[]): Promise<Executable[]> {
    const { client, book, sender } = this.deps;
    const ok: Executable[] = [];
    for (let c = 0; c < planned.length; c += SIMULATION_PARALLEL) {
      const chunk = planned.slice(c, c + SIMULATION_PARALLEL);
      const results = await Promise.all(
        chunk.map((e) =>
          client
            .estimateContractGas({
              address: book.engine,
              abi: perpEngineAbi,
              functionName: "executeOrder",
              args: [e.order.id, e.priceData, e.hint],
              value: e.updateFee,
              account: sender.address,
            })
            .then(
              (gas) => ({ gas }),
              (error: unknown) => {
                const revert = revertName(error);
                if (revert === undefined) throw error; // the RPC: the tick fails and is retried
                return { revert };
              },
            ),
        ),
      );
      results.forEach((result, j) => {
        if ("gas" in result) ok.push({ ...chunk[j], gas: result.gas });
        else if (result.revert === "OrderNotFound")
          this.orders.forget(chunk[j].order.id); // executed by another keeper
        else this.noteWaiting(chunk[j].order.id, `simulation reverted ${result.revert}`);
      });
    }
    return ok;
  }

  private async send({ entries: batch, gas }: Batch<Executable>, blockGasLimit: bigint) {
    const { book, sender, metrics, log } = this.deps;
    const call = contractCall({
      address: book.engine,
      abi: perpEngineAbi,
      functionName: "executeOrders",
      args: [batch.map((e) => e.order.id), batch.map((e) => e.priceData), batch.map((e) => e.hint)],
      value: batch.reduce((sum, e) => sum + e.updateFee, 0n),
    });
    // A batch whose entries run short of gas skips them instead of failing, so its own estimate
    // can be low: the entries' estimates set the floor.
    const outcome = await sender.send(call, { maxGas: usableGas(blockGasLimit), minGas: gas });
    metrics.orderBatches.inc({ outcome: outcome.status });
    if (outcome.status !== "confirmed") {
      log.info(
        { orders: batch.map((e) => String(e.order.id)), status: outcome.status, reason: "reason" in outcome ? outcome.reason : undefined },
        "order batch not sent",
      );
      return;
    }
    await this.record(batch, outcome);
  }

  private async record(batch: Executable[], outcome: Extract<SendOutcome, { status: "confirmed" }>) {
    const { client, sender, metrics, log } = this.deps;
    const result = orderOutcomes(outcome.logs, sender.address);
    if (result.executed.length > 0) {
      // Chain time, the clock createdAt is on: the block the fills were mined in.
      const { timestamp } = await client.getBlock({ blockNumber: outcome.logs[0].blockNumber! });
      const byId = new Map(batch.map((e) => [e.order.id, e.order]));
      for (const id of result.executed) {
        metrics.ordersExecuted.inc();
        metrics.orderExecutionDelay.observe(Number(timestamp) - byId.get(id)!.createdAt);
      }
    }
    for (const { reason } of result.cancelled) metrics.ordersCancelled.inc({ reason });
    for (const { reason } of result.skipped) metrics.ordersSkipped.inc({ reason });
    metrics.executionFeesEarned.inc(Number(result.feesEarned));
    for (const id of [...result.executed, ...result.cancelled.map((c) => c.orderId)]) {
      this.orders.forget(id);
      this.waiting.delete(id);
    }
    log.info(
      {
        hash: outcome.hash,
        executed: result.executed.map(String),
        cancelled: result.cancelled.map((c) => `${c.orderId}:${c.reason}`),
        skipped: result.skipped.map((s) => `${s.orderId}:${s.reason}`),
        feesEarned: String(result.feesEarned),
        gasUsed: String(outcome.gasUsed),
      },
      "order batch",
    );
  }

  private noteWaiting(id: bigint, reason: string) {
    if (this.waiting.get(id) === reason) return;
    this.waiting.set(id, reason);
    this.deps.log.debug({ orderId: String(id), reason }, "order waits");
  }

  /** Logs a market whose orders cannot be priced (`error`), or that can be again (undefined), once per change. */
  private noteUnpriced(marketId: number, error: string | undefined) {
    if (this.unpriced.get(marketId) === error) return;
    if (error === undefined) {
      this.unpriced.delete(marketId);
      this.deps.log.info({ marketId }, "orders' price source answers again");
    } else {
      this.unpriced.set(marketId, error);
      this.deps.log.warn({ marketId, error }, "orders wait: the market's price source cannot be read");
    }
  }
}
