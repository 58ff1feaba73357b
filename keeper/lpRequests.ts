// Settles LP deposit and redemption requests (LiquidityVault) once they are due: MIN_REQUEST_DELAY
// old and every market has published a price after them. Settling promptly is what keeps an LP
// from choosing its own settlement moment, so the keeper does it on every tick.
// Pending ids come from the vault's request events; whether one can settle now comes from the
// chain (an eth_call of settleRequest), never from a local copy of the rules, so a reorg or another
// keeper's settlement can only make the candidate set larger than the truth, never wrong.
import type { Logger } from "pino";
import { Counter, Gauge } from "prom-client";
import { type AbiEvent, type PublicClient, parseEventLogs } from "viem";
import type { AddressBook } from "../scripts/lib/addressBook.ts";
import { vaultAbi } from "./contracts.ts";
import type { KeeperMetrics } from "./metrics.ts";
import type { SendOutcome, TransactionSender } from "./sender.ts";

/** Blocks per eth_getLogs call. */
const LOG_RANGE = 5_000n;
/** Requests per settleRequests transaction: each settlement values the vault (every market). */
const SETTLE_CHUNK = 25;

const eventsNamed = (...names: string[]) => vaultAbi.filter((item): item is AbiEvent => item.type === "event" && names.includes(item.name));
const openedBy = new Set(["DepositRequested", "RedeemRequested"]);
const requestEvents = eventsNamed("DepositRequested", "RedeemRequested", "DepositSettled", "RedeemSettled", "RequestCancelled");

export interface LpRequestDeps {
  client: PublicClient;
  book: Pick<AddressBook, "vault" | "deploymentBlock">;
  sender: TransactionSender;
  metrics: KeeperMetrics;
  log: Logger;
}

export class LpRequestSettler {
  private readonly deps: LpRequestDeps;
  private readonly pending = new Set<bigint>();
  private nextBlock: bigint;
  private readonly pendingGauge: Gauge;
  private readonly settlements: Counter<"outcome">;
  private readonly settled: Counter;

  constructor(deps: LpRequestDeps) {
    this.deps = deps;
    this.nextBlock = BigInt(deps.book.deploymentBlock);
    const registers = [deps.metrics.registry];
    this.pendingGauge = new Gauge({ name: "keeper_lp_requests_pending", help: "LP requests indexed and not yet settled or cancelled", registers });
    this.settlements = new Counter({
      name: "keeper_lp_settlements_total",
      help: "settleRequests transactions by outcome",
      labelNames: ["outcome"],
      registers,
    });
    this.settled = new Counter({ name: "keeper_lp_requests_settled_total", help: "LP requests this keeper settled", registers });
  }

  /** Indexes new request events, then settles every pending request the chain says can settle now. */
  async tick(): Promise<void> {
    await this.index();
    const due = await this.due();
    for (let i = 0; i < due.length; i += SETTLE_CHUNK) {
      const ids = due.slice(i, i + SETTLE_CHUNK);
      const outcome = await this.deps.sender.send({ address: this.deps.book.vault, abi: vaultAbi, functionName: "settleRequests", args: [ids] });
      this.record(outcome, ids);
    }
    this.pendingGauge.set(this.pending.size);
  }

  /** The pending ids, oldest first. */
  pendingIds(): bigint[] {
    return [...this.pending].sort((a, b) => (a < b ? -1 : 1));
  }

  private async index() {
    const { client, book } = this.deps;
    const head = await client.getBlockNumber({ cacheTime: 0 });
    for (let from = this.nextBlock; from <= head; from += LOG_RANGE) {
      const to = from + LOG_RANGE - 1n < head ? from + LOG_RANGE - 1n : head;
      const logs = await client.getLogs({ address: book.vault, events: requestEvents, fromBlock: from, toBlock: to });
      for (const log of logs) {
        const id = (log.args as { id: bigint }).id;
        if (openedBy.has(log.eventName)) this.pending.add(id);
        else this.pending.delete(id);
      }
      this.nextBlock = to + 1n;
    }
  }

  /** Pending ids whose settlement would go through now; ids gone from the vault are forgotten. */
  private async due(): Promise<bigint[]> {
    const { client, book, sender } = this.deps;
    const ids = this.pendingIds();
    const checks = await Promise.all(
      ids.map(async (id) => {
        const [owner] = await client.readContract({ address: book.vault, abi: vaultAbi, functionName: "requests", args: [id] }) as readonly [
          `0x${string}`,
          ...unknown[],
        ];
        if (/^0x0{40}$/.test(owner)) return "gone";
        return client
          .simulateContract({ address: book.vault, abi: vaultAbi, functionName: "settleRequest", args: [id], account: sender.address })
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
    const done = parseEventLogs({ abi: vaultAbi, logs: outcome.logs, eventName: ["DepositSettled", "RedeemSettled"] });
    for (const event of done) this.pending.delete((event.args as { id: bigint }).id);
    this.settled.inc(done.length);
    this.deps.log.info({ ids: ids.map(String), settled: done.length, gasUsed: String(outcome.gasUsed) }, "LP requests settled");
  }
}
