// Prometheus metrics and a /health endpoint backed by a watchdog: it fails when the loop has not
// completed a tick recently, instead of answering a static 200.
import { createServer, type Server } from "node:http";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { ConfigError } from "./config.ts";

export class KeeperMetrics {
  readonly registry = new Registry();
  readonly positionsTracked = new Gauge({ name: "keeper_positions_tracked", help: "Open positions indexed", registers: [this.registry] });
  readonly positionsAtRisk = new Gauge({
    name: "keeper_positions_at_risk",
    help: "Liquidatable positions seen in the last tick",
    registers: [this.registry],
  });
  readonly liquidations = new Counter({
    name: "keeper_liquidations_total",
    help: "Liquidation transactions by outcome",
    labelNames: ["outcome"],
    registers: [this.registry],
  });
  readonly deleverages = new Counter({
    name: "keeper_deleverages_total",
    help: "Deleverage transactions by outcome",
    labelNames: ["outcome"],
    registers: [this.registry],
  });
  readonly adlFills = new Counter({
    name: "keeper_adl_fills_total",
    help: "Counterparties deleveraged (AdlFill events) by this keeper's confirmed transactions",
    registers: [this.registry],
  });
  readonly reorgs = new Counter({
    name: "keeper_reorgs_total",
    help: "Reorgs found under the indexed block, each followed by a resync from chain state",
    registers: [this.registry],
  });
  readonly deficitOutstanding = new Gauge({
    name: "keeper_adl_debt_outstanding",
    help: "ADL debt owed, token atoms",
    labelNames: ["market", "side"],
    registers: [this.registry],
  });
  readonly signerBalance = new Gauge({
    name: "keeper_signer_balance_eth",
    help: "Native balance of the keeper's signing account, which pays for every transaction",
    registers: [this.registry],
  });
  readonly rpcErrors = new Counter({
    name: "keeper_rpc_errors_total",
    help: "Ticks that failed on an RPC error",
    registers: [this.registry],
  });
  readonly marketErrors = new Counter({
    name: "keeper_market_errors_total",
    help: "Ticks in which a market could not be read (a stale or failing oracle), by market and error; other markets go on",
    labelNames: ["market", "error"],
    registers: [this.registry],
  });
  readonly marketHealthy = new Gauge({
    name: "keeper_market_healthy",
    help: "1 when the market's price and state were read in the last tick, 0 when its oracle failed",
    labelNames: ["market"],
    registers: [this.registry],
  });
  readonly gasSpent = new Counter({
    name: "keeper_gas_spent_eth_total",
    help: "Native currency paid for gas by this keeper's mined transactions",
    registers: [this.registry],
  });
  readonly rewardsEarned = new Counter({
    name: "keeper_rewards_earned_total",
    help: "Liquidation rewards credited to this keeper, token atoms",
    registers: [this.registry],
  });
  // Order execution (keeper/orders/): this keeper's executions and cancellations, and what it earned.
  readonly ordersPending = new Gauge({ name: "keeper_orders_pending", help: "Pending orders indexed", registers: [this.registry] });
  readonly pythUpdatesPushed = new Counter({
    name: "keeper_pyth_updates_pushed_total",
    help: "Pyth price updates pushed before a tick's liquidation scan, by outcome",
    labelNames: ["outcome"],
    registers: [this.registry],
  });
  readonly ordersExecuted = new Counter({
    name: "keeper_orders_executed_total",
    help: "Orders this keeper filled (OrderExecuted naming it the executor)",
    registers: [this.registry],
  });
  readonly ordersCancelled = new Counter({
    name: "keeper_orders_cancelled_total",
    help: "Orders this keeper's execution cancelled, by the decoded reason (OrderExpired, PriceOutsideBound, ...)",
    labelNames: ["reason"],
    registers: [this.registry],
  });
  readonly ordersSkipped = new Counter({
    name: "keeper_orders_skipped_total",
    help: "Batch entries the engine left pending (OrderSkipped), by the decoded reason",
    labelNames: ["reason"],
    registers: [this.registry],
  });
  readonly orderExecutionDelay = new Histogram({
    name: "keeper_order_execution_delay_seconds",
    help: "Chain time from an order's request to its execution by this keeper",
    buckets: [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600],
    registers: [this.registry],
  });
  readonly executionFeesEarned = new Counter({
    name: "keeper_execution_fees_earned_total",
    help: "Execution fees credited to this keeper (fills, and the capped share of cancellations), token atoms",
    registers: [this.registry],
  });
  readonly orderBatches = new Counter({
    name: "keeper_order_batches_total",
    help: "executeOrders transactions by outcome",
    labelNames: ["outcome"],
    registers: [this.registry],
  });
  readonly lastTickTimestamp = new Gauge({
    name: "keeper_last_tick_timestamp_seconds",
    help: "Unix time of the last completed tick (alert when it falls behind)",
    registers: [this.registry],
  });
  readonly tickDuration = new Histogram({ name: "keeper_tick_seconds", help: "Duration of one keeper tick", registers: [this.registry] });
  private lastTickAt = Date.now();

  constructor() {
    // Process CPU, memory, event-loop lag, open handles: a leak or a blocked loop shows before it bites.
    collectDefaultMetrics({ register: this.registry });
  }

  tickCompleted() {
    this.lastTickAt = Date.now();
    this.lastTickTimestamp.set(this.lastTickAt / 1000);
  }

  healthy(maxAgeMs: number) {
    return Date.now() - this.lastTickAt <= maxAgeMs;
  }

  /** Serves /metrics and /health on `host` (127.0.0.1 unless configured). A port already taken
   * (a second keeper, most often) is a ConfigError: one line, exit 2. */
  listen(port: number, maxTickAgeMs: number, host = "127.0.0.1"): Promise<Server> {
    const server = createServer(async (req, res) => {
      if (req.url === "/health") {
        const ok = this.healthy(maxTickAgeMs);
        res.writeHead(ok ? 200 : 503, { "content-type": "application/json" });
        res.end(JSON.stringify({ ok, lastTickMsAgo: Date.now() - this.lastTickAt }));
      } else if (req.url === "/metrics") {
        res.writeHead(200, { "content-type": this.registry.contentType });
        res.end(await this.registry.metrics());
      } else {
        res.writeHead(404).end();
      }
    });
    return new Promise((resolve, reject) => {
      server.once("error", (error: NodeJS.ErrnoException) => {
        const taken = error.code === "EADDRINUSE";
        reject(
          new ConfigError(
            `metrics ${host}:${port} ${taken ? "is already in use (is another keeper running?)" : `cannot be served: ${error.code}`}`,
          ),
        );
      });
      server.listen(port, host, () => resolve(server));
    });
  }
}
