// One keeper tick: liquidate what is liquidatable, most underwater first, then deleverage any side
// that owes ADL debt or whose pnl factor is over its maximum, then execute pending orders (a
// trader's fill never goes before a liquidation that is due). Every decision comes from the
// contracts' own exact views (PerpLens), never from floating-point math.
import type { Logger } from "pino";
import type { Counter } from "prom-client";
import { type PublicClient, formatEther, isAddressEqual, parseEther, parseEventLogs } from "viem";
import type { AddressBook } from "../scripts/lib/addressBook.ts";
import type { KeeperConfig } from "./config.ts";
import { perpEngineAbi } from "../sdk/src/abis.ts";
import type { LiquidationPreview } from "../sdk/src/types.ts";
import { type ProtocolReader, contractCall, protocolReader } from "./contracts.ts";
import { scanAtRisk } from "./risk.ts";
import type { PositionIndexer } from "./indexer.ts";
import { MarketWatch } from "./markets.ts";
import type { KeeperMetrics } from "./metrics.ts";
import type { SendOutcome, TransactionSender } from "./sender.ts";
import { type EntryKind, LiquidationBatcher } from "./batching.ts";
import { LpRequestSettler } from "./lpRequests.ts";
import { PythPricePusher } from "./pythPush.ts";
import { OrderExecutor } from "./orders/executor.ts";

/** What an entry will cost, from its preview: a partial cut walks its new bucket for the hint, a
 * deficit beyond the insurance fund runs ADL fills inline. */
const kindOf = (p: LiquidationPreview): EntryKind => (!p.full ? "partial" : p.uncovered > 0n ? "adl" : "plain");

export interface StrategyDeps {
  client: PublicClient;
  book: AddressBook;
  indexer: PositionIndexer;
  sender: TransactionSender;
  metrics: KeeperMetrics;
  config: KeeperConfig;
  log: Logger;
}

/** Bankrupt (equity < 0) before merely liquidatable; among bankrupt the deepest deficit, else the lowest margin ratio. */
function mostUrgentFirst(a: { equity: bigint; marginRatio: bigint }, b: { equity: bigint; marginRatio: bigint }) {
  const compare = (x: bigint, y: bigint) => (x < y ? -1 : x > y ? 1 : 0);
  if (a.equity < 0n || b.equity < 0n) return compare(a.equity, b.equity);
  return compare(a.marginRatio, b.marginRatio);
}

/** Positions per lens call: the preview of a partially liquidatable position walks its new ADL
 * bucket from the head for the hint, ~2.1M gas at 95 positions a bucket (the crash storm, 10,000
 * positions), and a node caps eth_call gas (anvil: at the block gas limit, 30M). */
const LENS_CHUNK = 10;
/** Lens calls in flight at once. */
const LENS_PARALLEL = 16;

/** Fills per deleverage call: bounded gas (~75k a fill); the next tick goes on. */
const MAX_FILLS_PER_DELEVERAGE = 32n;

export class KeeperStrategy {
  private readonly client: PublicClient;
  private readonly book: AddressBook;
  private readonly indexer: PositionIndexer;
  private readonly sender: TransactionSender;
  private readonly metrics: KeeperMetrics;
  private readonly config: KeeperConfig;
  private readonly log: Logger;
  private readonly read: ProtocolReader;
  private readonly markets: MarketWatch;
  private balanceLow = false;
  private readonly batcher: LiquidationBatcher;
  private readonly lpRequests: LpRequestSettler;
  private readonly orders: OrderExecutor | undefined;
  private readonly pythPrices: PythPricePusher | undefined;

  constructor(deps: StrategyDeps) {
    ({ client: this.client, book: this.book, indexer: this.indexer, sender: this.sender } = deps);
    ({ metrics: this.metrics, config: this.config, log: this.log } = deps);
    this.read = protocolReader(this.client, this.book);
    this.batcher = new LiquidationBatcher(this.config.batchSize);
    this.markets = new MarketWatch({ client: this.client, read: this.read, metrics: this.metrics, log: this.log });
    this.lpRequests = new LpRequestSettler({
      client: this.client,
      book: this.book,
      sender: this.sender,
      metrics: this.metrics,
      log: this.log,
    });
    if (this.config.executeOrders) this.orders = new OrderExecutor(deps);
    if (Object.keys(this.config.hermesEndpoints).length > 0) {
      this.pythPrices = new PythPricePusher({ ...deps, hermesEndpoints: this.config.hermesEndpoints });
    }
  }

  async tick(): Promise<void> {
    // Pyth markets first get their freshest price on-chain, so the scan below reads it.
    await this.pythPrices?.push();
    // With the reads below, so that an idle tick stays one JSON-RPC batch; awaited only for orders.
    this.orders?.startSync();
    // Independent reads, so in parallel: the tick is on the path from price update to liquidation.
    let [synced, markets, balance] = await Promise.all([
      this.indexer.sync(),
      this.markets.snapshots(),
      this.client.getBalance({ address: this.sender.address }),
      this.lpRequests.refresh(),
    ]);
    this.watchBalance(balance);
    if (synced.reorg) {
      this.metrics.reorgs.inc();
      this.log.warn("chain reorganised under the indexed block; index rebuilt from chain state");
    }
    // A market listed or reconfigured in the blocks just read: its constants again, then its snapshot.
    if (synced.reorg || synced.marketsChanged.size > 0) {
      await this.markets.refresh(synced.reorg ? "all" : synced.marketsChanged);
      markets = await this.markets.snapshots();
    }
    const ids = this.indexer.openIds();
    this.metrics.positionsTracked.set(ids.length);
    // The in-memory exact scan picks the candidates; the lens re-checks them on-chain.
    const candidates = scanAtRisk(this.indexer.positions(), markets).map((r) => r.id);
    const due = await this.liquidatable(candidates);
    this.metrics.positionsAtRisk.set(due.length);
    // Every batch of the tick goes out at once, at consecutive nonces: the blocks after a crash
    // carry several batches each instead of one batch per keeper round trip.
    const gas = this.batcher.gasLimit(this.markets.blockGasLimit);
    const batches = this.batcher.split(due, this.markets.blockGasLimit);
    const requests = batches.map((batch) => ({
      request: contractCall({
        address: this.book.engine,
        abi: perpEngineAbi,
        functionName: "liquidateBatch",
        args: [batch.map((d) => d.id), batch.map((d) => d.hint)],
      }),
      gas,
    }));
    const outcomes = await this.sender.sendPipelined(requests);
    outcomes.forEach((outcome, b) => {
      if (outcome.status === "confirmed") {
        const kinds = new Map(batches[b].map((d) => [d.id, d.kind]));
        const liquidated = parseEventLogs({ abi: perpEngineAbi, logs: outcome.logs, eventName: "Liquidated" });
        this.batcher.observe(
          liquidated.map((e) => kinds.get(e.args.positionId) ?? "plain"),
          outcome.gasUsed,
        );
      } else if (outcome.status === "failed") this.batcher.failed();
      this.record(this.metrics.liquidations, outcome, { positions: batches[b].map((d) => d.id.toString()) }, "liquidation batch");
    });
    // Only markets whose price reads: the ADL views of the others would revert.
    for (const marketId of markets.keys()) {
      await this.deleverageMarket(marketId).then(
        () => this.markets.recovered(marketId, "adl"),
        (error: unknown) => this.markets.failed(marketId, "adl", error),
      );
    }
    await this.orders?.tick(this.markets.blockGasLimit);
    // Last: liquidations and ADL come first when a crash makes everything due at once.
    await this.lpRequests.settleDue();
  }

  /**
   * Liquidatable positions with their queue hints: bankrupt ones first, deepest deficit first (each
   * one left undone grows the bad debt), then the rest by lowest margin ratio. The batch survives
   * any entry that fails, so one stale or griefed entry never holds back the others.
   */
  async liquidatable(ids: bigint[]) {
    const due: { id: bigint; hint: number; kind: EntryKind; marginRatio: bigint; equity: bigint }[] = [];
    const chunks = Array.from({ length: Math.ceil(ids.length / LENS_CHUNK) }, (_, c) => ids.slice(c * LENS_CHUNK, (c + 1) * LENS_CHUNK));
    // A few chunks at a time: small chunks keep each call under the node's gas cap, and the round
    // trips overlap instead of adding up after a crash.
    for (let c = 0; c < chunks.length; c += LENS_PARALLEL) {
      await Promise.all(
        chunks.slice(c, c + LENS_PARALLEL).map(async (chunk) => {
          const [health, previews] = await Promise.all([
            this.read.lens.positionHealthBatch([chunk]),
            this.read.lens.previewLiquidationBatch([chunk]),
          ]);
          health.forEach((h, j) => {
            if (h.size === 0n) this.indexer.forget(chunk[j]);
            else if (previews[j].liquidatable)
              due.push({ id: chunk[j], hint: previews[j].hint, kind: kindOf(previews[j]), marginRatio: h.marginRatio, equity: h.equity });
          });
        }),
      );
    }
    return due.sort(mostUrgentFirst);
  }

  private async deleverageMarket(marketId: number) {
    const state = await this.read.lens.marketAdlState([marketId]);
    for (const isLong of [true, false]) {
      const debt = isLong ? state.longAdlDebt : state.shortAdlDebt;
      const factor = isLong ? state.longPnlFactor : state.shortPnlFactor;
      this.metrics.deficitOutstanding.set({ market: String(marketId), side: isLong ? "long" : "short" }, Number(debt));
      if (debt === 0n && factor <= state.maxPnlFactor) continue;
      // The engine picks every counterparty itself, from the top of the queue: nothing to name, so
      // nothing a front-runner can make stale. With none profitable left it hands the debt to the vault.
      const outcome = await this.sender.send(
        contractCall({
          address: this.book.engine,
          abi: perpEngineAbi,
          functionName: "deleverage",
          args: [marketId, isLong, MAX_FILLS_PER_DELEVERAGE, 0n, 0],
        }),
      );
      this.record(this.metrics.deleverages, outcome, { marketId, isLong, debt: String(debt), factor: String(factor) }, "deleverage");
    }
  }

  /** An account out of gas money cannot liquidate: say so once when the balance drops below the floor. */
  private watchBalance(balance: bigint) {
    this.metrics.signerBalance.set(Number(formatEther(balance)));
    const low = balance < parseEther(String(this.config.lowBalanceEth));
    if (low && !this.balanceLow) {
      this.log.warn({ account: this.sender.address, balanceEth: formatEther(balance) }, "keeper account balance is low: top it up");
    }
    this.balanceLow = low;
  }

  /** Counts and logs one sent call; a liquidation can run ADL too, so both count AdlFill events.
   * A mined call adds its gas cost, and the rewards the engine credited this keeper. */
  private record(counter: Counter<"outcome">, outcome: SendOutcome, context: Record<string, unknown>, message: string) {
    counter.inc({ outcome: outcome.status });
    const { logs, gasCostWei, ...summary } = { logs: [], gasCostWei: 0n, ...outcome };
    const adlFills = parseEventLogs({ abi: perpEngineAbi, logs, eventName: "AdlFill" }).length;
    this.metrics.adlFills.inc(adlFills);
    const reward = parseEventLogs({ abi: perpEngineAbi, logs, eventName: "Liquidated" })
      .filter((e) => isAddressEqual(e.args.keeper, this.sender.address))
      .reduce((sum, e) => sum + e.args.keeperReward, 0n);
    this.metrics.gasSpent.inc(Number(formatEther(gasCostWei)));
    this.metrics.rewardsEarned.inc(Number(reward));
    this.log.info({ ...context, ...summary, adlFills, gasCostWei: String(gasCostWei), reward: String(reward) }, message);
  }
}
