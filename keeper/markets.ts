// The markets the keeper watches, discovered from the engine (marketCount), not from the address
// book: a market listed after the deployment is watched too. A market's constants (its config:
// oracle, funding parameters, risk tiers) and the engine's value divisor are read once, and a
// market's config again only when the indexer sees it listed or reconfigured. A market whose oracle
// reverts (a stale price, the sequencer down) is left out of the tick with its own metric and log,
// never counted as an RPC error, and the other markets go on.
import type { Logger } from "pino";
import type { PublicClient } from "viem";
import { fundingIndexAt } from "../client/predict.ts";
import type { MarketConfig } from "../sdk/src/types.ts";
import type { ProtocolReader } from "./contracts.ts";
import type { KeeperMetrics } from "./metrics.ts";
import type { MarketSnapshot } from "./risk.ts";
import { revertName } from "./sender.ts";

export interface MarketWatchDeps {
  client: PublicClient;
  read: ProtocolReader;
  metrics: KeeperMetrics;
  log: Logger;
}

export class MarketWatch {
  private valueDivisor: bigint | undefined;
  private readonly configs = new Map<number, MarketConfig>();
  /** The revert each failing read of a market gave last (by "marketId:what"), to log a change of state once. */
  private readonly failing = new Map<string, string>();
  private loaded = false;

  private readonly deps: MarketWatchDeps;

  constructor(deps: MarketWatchDeps) {
    this.deps = deps;
  }

  /** Re-reads the listed markets' constants: all of them (first use, after a reorg) or the changed ones. */
  async refresh(changed: Iterable<number> | "all" = "all"): Promise<void> {
    const { read } = this.deps;
    const [count, valueDivisor] = await Promise.all([read.engine.marketCount(), this.valueDivisor ?? read.engine.valueDivisor()]);
    this.valueDivisor = valueDivisor;
    const ids = Array.from({ length: Number(count) }, (_, id) => id);
    const wanted = changed === "all" ? ids : ids.filter((id) => !this.configs.has(id) || [...changed].includes(id));
    const configs = await Promise.all(wanted.map((id) => read.engine.marketConfig([id])));
    wanted.forEach((id, i) => this.configs.set(id, configs[i]));
    this.loaded = true;
  }

  /** The latest block's gas limit, read with the snapshots: what one liquidation batch may use. */
  blockGasLimit = 0n;

  /** Listed market ids. */
  ids(): number[] {
    return [...this.configs.keys()];
  }

  /**
   * Price, projected funding index and risk tiers of every market whose oracle answers, at the
   * latest block. A revert from a market's reads leaves that market out; an RPC fault fails the tick.
   */
  async snapshots(): Promise<Map<number, MarketSnapshot>> {
    if (!this.loaded) await this.refresh();
    const { client, read } = this.deps;
    const valueDivisor = this.valueDivisor!;
    const [block, ...reads] = await Promise.all([
      client.getBlock(),
      ...this.ids().map((id) =>
        Promise.all([read.engine.marketState([id]), read.oraclePrice(this.configs.get(id)!.oracle)]).then(
          (value) => ({ id, value }),
          (error: unknown) => ({ id, error }),
        ),
      ),
    ]);
    this.blockGasLimit = block.gasLimit;
    const snapshots = new Map<number, MarketSnapshot>();
    for (const result of reads) {
      if ("error" in result) {
        this.failed(result.id, "price", result.error);
        continue;
      }
      const [state, price] = result.value;
      this.recovered(result.id, "price");
      const config = this.configs.get(result.id)!;
      snapshots.set(result.id, {
        price,
        fundingIndex: fundingIndexAt(state, { ...config, valueDivisor }, price, block.timestamp),
        tiers: config.tiers.slice(0, config.tierCount),
        valueDivisor,
      });
    }
    return snapshots;
  }

  /**
   * Counts and logs (once per change) a market's read that reverted: its price ("price", the market
   * is then skipped) or its ADL views ("adl": PerpLens prices every market for the insurance
   * coverage, so one stale oracle holds up ADL everywhere). Any other error is rethrown.
   */
  failed(marketId: number, what: "price" | "adl", error: unknown) {
    const name = revertName(error);
    if (name === undefined) throw error; // the RPC, not the market: the tick fails and is retried
    const { metrics, log } = this.deps;
    const market = String(marketId);
    metrics.marketErrors.inc({ market, error: name });
    if (what === "price") metrics.marketHealthy.set({ market }, 0);
    const key = `${marketId}:${what}`;
    if (this.failing.get(key) !== name) {
      const message = what === "price" ? "market skipped: its price cannot be read" : "market's ADL skipped: its views revert";
      log.warn({ marketId, oracle: this.configs.get(marketId)?.oracle, error: name }, message);
    }
    this.failing.set(key, name);
  }

  recovered(marketId: number, what: "price" | "adl") {
    if (what === "price") this.deps.metrics.marketHealthy.set({ market: String(marketId) }, 1);
    if (this.failing.delete(`${marketId}:${what}`)) this.deps.log.info({ marketId, what }, "market back: its reads answer again");
  }
}
