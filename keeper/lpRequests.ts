// Settles LP deposit and redemption requests (LiquidityVault) once they are due: MIN_REQUEST_DELAY
// old and every market has published a price after them. Settling promptly is what keeps an LP
// from choosing its own settlement moment, so the keeper does it on every tick.
// Requests are indexed from the vault's own state, not its logs: ids are sequential
// (`nextRequestId`), and `requests(id)` is zero once settled or cancelled. An idle tick is then one
// read, batched with the tick's others, and a reorg can't leave the index wrong. Whether a request
// can settle now comes from the chain (an eth_call of settleRequest), never from a copy of the rules.
import type { Logger } from "pino";
import { Counter, Gauge } from "prom-client";
import { type PublicClient, parseEventLogs, zeroAddress } from "viem";
import type { AddressBook } from "../scripts/lib/addressBook.ts";
import { liquidityVaultAbi } from "../sdk/src/abis.ts";
import { contractCall } from "./contracts.ts";
import type { KeeperMetrics } from "./metrics.ts";
import type { SendOutcome, TransactionSender } from "./sender.ts";

/** Request ids read per round when catching up (viem batches them into JSON-RPC batches). */
const READ_CHUNK = 500n;
/** Requests per settleRequests transaction: each settlement values the vault (every market). */
const SETTLE_CHUNK = 25;

export interface LpRequestDeps {
  client: PublicClient;
  book: Pick<AddressBook, "vault">;
  sender: TransactionSender;
  metrics: KeeperMetrics;
  log: Logger;
}

export class LpRequestSettler {
  private readonly deps: LpRequestDeps;
  private readonly pending = new Set<bigint>();
  /** The first request id not read yet. */
  private nextId = 1n;
  private readonly pendingGauge: Gauge;
  private readonly settlements: Counter<"outcome">;
  private readonly settled: Counter;

  constructor(deps: LpRequestDeps) {
    this.deps = deps;
    const registers = [deps.metrics.registry];
    this.pendingGauge = new Gauge({
      name: "keeper_lp_requests_pending",
      help: "LP requests indexed and not yet settled or cancelled",
      registers,
    });
    this.settlements = new Counter({
      name: "keeper_lp_settlements_total",
      help: "settleRequests transactions by outcome",
      labelNames: ["outcome"],
      registers,
    });
    this.settled = new Counter({ name: "keeper_lp_requests_settled_total", help: "LP requests this keeper settled", registers });
  }

  /** Adds the requests made since the last call that are still pending: one read when there are none. */
  async refresh(): Promise<void> {
    const { client, book } = this.deps;
    const next = await client.readContract({ address: book.vault, abi: liquidityVaultAbi, functionName: "nextRequestId" });
    for (let from = this.nextId; from < next; from += READ_CHUNK) {
      const ids = Array.from({ length: Number(next - from < READ_CHUNK ? next - from : READ_CHUNK) }, (_, i) => from + BigInt(i));
      const live = await Promise.all(ids.map((id) => this.isPending(id)));
      ids.forEach((id, i) => live[i] && this.pending.add(id));
    }
    this.nextId = next;
  }

  /** Settles every pending request the chain says can settle now; sends nothing when none can. */
  async settleDue(): Promise<void> {
    const due = await this.due();
    for (let i = 0; i < due.length; i += SETTLE_CHUNK) {
      const ids = due.slice(i, i + SETTLE_CHUNK);
      const outcome = await this.deps.sender.send(
        contractCall({ address: this.deps.book.vault, abi: liquidityVaultAbi, functionName: "settleRequests", args: [ids] }),
      );
      this.record(outcome, ids);
    }
    this.pendingGauge.set(this.pending.size);
  }

  /** The pending ids, oldest first. */
  pendingIds(): bigint[] {
    return [...this.pending].sort((a, b) => (a < b ? -1 : 1));
  }

  /** A settled or cancelled request reads as all zero. */
  private async isPending(id: bigint) {
    const { client, book } = this.deps;
    const [owner] = await client.readContract({ address: book.vault, abi: liquidityVaultAbi, functionName: "requests", args: [id] });
    return owner !== zeroAddress;
  }

  /** Pending ids whose settlement would go through now; ids gone from the vault are forgotten. */
  private async due(): Promise<bigint[]> {
    const { client, book, sender } = this.deps;
    const ids = this.pendingIds();
    const checks = await Promise.all(
      ids.map(async (id) => {
        if (!(await this.isPending(id))) return "gone";
        return client
          .simulateContract({
            address: book.vault,
            abi: liquidityVaultAbi,
            functionName: "settleRequest",
            args: [id],
            account: sender.address,
          })
          .then(
            () => "due",
            () => "waiting",
          );
      }),
    );
    checks.forEach((state, i) => state === "gone" && this.pending.delete(ids[i]));
    return ids.filter((_, i) => checks[i] === "due");
  }

  private record(outcome: SendOutcome, ids: bigint[]) {
    this.settlements.inc({ outcome: outcome.status });
    if (outcome.status !== "confirmed") {
      this.deps.log.warn({ ids: ids.map(String), outcome }, "LP request settlement not confirmed");
      return;
    }
    const done = parseEventLogs({ abi: liquidityVaultAbi, logs: outcome.logs, eventName: ["DepositSettled", "RedeemSettled"] });
    for (const event of done) this.pending.delete(event.args.id);
    this.settled.inc(done.length);
    this.deps.log.info({ ids: ids.map(String), settled: done.length, gasUsed: String(outcome.gasUsed) }, "LP requests settled");
  }
}
