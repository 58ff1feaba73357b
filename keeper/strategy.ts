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

/**
 * What each entry will cost, in the order the entries go out: a partial cut walks its new bucket
 * for the hint; a bankrupt one draws its deficit from the insurance fund while the fund lasts
 * ("covered"), and runs ADL fills inline for the rest ("adl"). Each preview sees the whole fund,
 * not the draws of the entries before it: in the crash storm the fund covered the first ~570
 * bankrupt entries' deficits and none after.
 */
export function withKinds<T extends { full: boolean; equity: bigint }>(due: T[], insuranceFund: bigint): (T & { kind: EntryKind })[] {
  let fund = insuranceFund;
  return due.map((d) => {
    if (!d.full) return { ...d, kind: "partial" };
    if (d.equity >= 0n) return { ...d, kind: "plain" };
    const covered = fund >= -d.equity;
    fund = covered ? fund + d.equity : 0n;
    return { ...d, kind: covered ? "covered" : "adl" };
  });
}

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

/** Blocks' worth of liquidation batches (by gas limit) kept broadcast and unmined during a crash:
 * enough that the next blocks are full while the keeper answers a landed batch with the next ones,
 * few enough that most batches are cut with what the batches before them measured. The first,
 * cut blind, use a fraction of their gas limits (each bankrupt entry weighed at 8 fills): with 4
 * blocks of limits in flight the crash storm's 2nd and 3rd blocks on L2 were a third empty. */
const PIPELINE_BLOCKS = 8n;

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
  /** Positions in liquidation batches broadcast and not yet mined: later ticks leave them out. */
  private readonly inFlight = new Set<bigint>();
  /** The handling of each such batch's outcome, until it lands. */
  private readonly landing = new Set<Promise<void>>();
  /** The gas limits of those batches. */
  private gasInFlight = 0n;
  /** The markets whose price read at the last tick. */
  private readableMarkets: number[] = [];
  /** When ADL was first put off behind batches in flight, while it still is. */
  private adlDeferredSince: number | undefined;

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
    // The in-memory exact scan picks the candidates; the lens re-checks them on-chain. Those in
    // batches still in flight are left to them.
    const candidates = scanAtRisk(this.indexer.positions(), markets)
      .map((r) => r.id)
      .filter((id) => !this.inFlight.has(id));
    const due = await this.liquidatable(candidates);
    this.metrics.positionsAtRisk.set(due.length + this.inFlight.size);
    await this.sendLiquidations(due);
    // ADL debt waits while batches are in flight: their bankrupt entries run fills inline, which
    // pay it first, and a deleverage would be mined behind them (by nonce) to find little left.
    // Bounded: a stream of liquidations (or one stuck batch) must not hold ADL off.
    this.readableMarkets = [...markets.keys()];
    const now = Date.now();
    if (this.inFlight.size === 0 || now - (this.adlDeferredSince ?? now) >= this.config.maxAdlDeferralMs) {
      this.adlDeferredSince = undefined;
      await this.deleverageDue();
    } else this.adlDeferredSince ??= now;
    await this.orders?.tick(this.markets.blockGasLimit);
    // Last: liquidations and ADL come first when a crash makes everything due at once.
    await this.lpRequests.settleDue();
  }

  /** Deleverages every side that owes ADL debt or is over its pnl-factor cap, in the markets whose
   * price read at the last tick (the ADL views of the others would revert). */
  async deleverageDue(): Promise<void> {
    for (const marketId of this.readableMarkets) {
      await this.deleverageMarket(marketId).then(
        () => this.markets.recovered(marketId, "adl"),
        (error: unknown) => this.markets.failed(marketId, "adl", error),
      );
    }
  }

  /** Resolves once every liquidation batch sent so far has landed and been accounted for; true
   * when there was any to wait for. */
  async settled(): Promise<boolean> {
    const waited = this.landing.size > 0;
    while (this.landing.size > 0) await Promise.all(this.landing);
    return waited;
  }

  /**
   * The batches go out back to back, at consecutive nonces, keeping PIPELINE_BLOCKS blocks' worth
   * of them broadcast and unmined: as each lands, the rest are cut again with what it taught the
   * batcher (the first batches after a crash are cut blind), and more go out. The tick returns once
   * all are sent, without waiting for them to be mined: the next tick, on the next head, prepares
   * the next batches (the entries a mined batch skipped, out of gas or done by a racing keeper, come
   * back then), so the blocks after a crash never stand idle during the keeper's turnaround (scan,
   * lens checks, round trips).
   */
  private async sendLiquidations(due: { id: bigint; hint: number; kind: EntryKind }[]) {
    const blockGasLimit = this.markets.blockGasLimit;
    let rest = due;
    for (const d of due) this.inFlight.add(d.id);
    try {
      while (rest.length > 0) {
        const gas = this.batcher.gasLimit(blockGasLimit);
        const room = Number((blockGasLimit * PIPELINE_BLOCKS - this.gasInFlight) / gas);
        if (room < 1) {
          await Promise.race(this.landing);
          continue;
        }
        const batches = this.batcher.split(rest, blockGasLimit).slice(0, room);
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
        rest = rest.slice(batches.reduce((count, batch) => count + batch.length, 0));
        outcomes.forEach((outcome, b) => this.track(batches[b], gas, outcome));
      }
    } finally {
      // Not sent (an RPC fault): the next tick takes them up again.
      for (const d of rest) this.inFlight.delete(d.id);
    }
  }

  /** Follows one batch in flight until it lands. */
  private track(batch: { id: bigint; kind: EntryKind }[], gas: bigint, outcome: Promise<SendOutcome>) {
    this.gasInFlight += gas;
    const handled = outcome
      .then(
        (o) => this.landed(batch, o),
        (error: unknown) => {
          this.metrics.rpcErrors.inc();
          this.log.error({ error: (error as Error).message }, "liquidation batch: its receipt could not be read");
        },
      )
      .finally(() => {
        for (const d of batch) this.inFlight.delete(d.id);
        this.gasInFlight -= gas;
        this.landing.delete(handled);
      });
    this.landing.add(handled);
  }

  /** Learns the batch's gas from what it liquidated, and records it. */
  private landed(batch: { id: bigint; kind: EntryKind }[], outcome: SendOutcome) {
    if (outcome.status === "confirmed") {
      const kinds = new Map(batch.map((d) => [d.id, d.kind]));
      const liquidated = parseEventLogs({ abi: perpEngineAbi, logs: outcome.logs, eventName: "Liquidated" });
      const fills = parseEventLogs({ abi: perpEngineAbi, logs: outcome.logs, eventName: "AdlFill" }).length;
      this.batcher.observe(
        liquidated.map((e) => kinds.get(e.args.positionId) ?? "plain"),
        fills,
        outcome.gasUsed,
      );
    } else if (outcome.status === "failed") this.batcher.failed();
    this.record(this.metrics.liquidations, outcome, { positions: batch.map((d) => d.id.toString()) }, "liquidation batch");
  }

  /**
   * Liquidatable positions with their queue hints: bankrupt ones first, deepest deficit first (each
   * one left undone grows the bad debt), then the rest by lowest margin ratio. The batch survives
   * any entry that fails, so one stale or griefed entry never holds back the others.
   */
  async liquidatable(ids: bigint[]) {
    const due: { id: bigint; hint: number; full: boolean; marginRatio: bigint; equity: bigint }[] = [];
    const fund = this.read.engine.insuranceFund();
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
              due.push({ id: chunk[j], hint: previews[j].hint, full: previews[j].full, marginRatio: h.marginRatio, equity: h.equity });
          });
        }),
      );
    }
    return withKinds(due.sort(mostUrgentFirst), await fund);
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
