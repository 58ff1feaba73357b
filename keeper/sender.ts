// Sends keeper calls: one eth_estimateGas both simulates the call (decoding any revert) and sizes
// it; fees are the node's EIP-1559 estimate under the operator's caps. A racing keeper's
// "already done" is normal; any other revert is logged decoded and never sent.
//
// Nonces: the account's pending transaction count (the node counts its mempool) is the next
// nonce. Reading it fresh for every send leaves no gap even when a broadcast fails halfway. A
// crash's liquidation batches go out back to back at consecutive nonces (sendPipelined), so that
// they fill consecutive blocks instead of one batch a block; they are then waited for in nonce
// order while the keeper goes on. Any other send waits until mined (replacing itself at the same
// nonce when stuck).
import {
  type Abi,
  BaseError,
  ContractFunctionRevertedError,
  type LocalAccount,
  type Log,
  type PublicClient,
  encodeFunctionData,
  parseGwei,
} from "viem";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import type { KeeperConfig } from "./config.ts";
import { type Fees, cappedFees, replacementFees } from "./fees.ts";
import { protocolErrorName } from "./protocolErrors.ts";

/** `value`: native currency sent along (a Pyth update fee for executeOrders); none by default. */
export type ContractCall = { address: `0x${string}`; abi: Abi; functionName: string; args: readonly unknown[]; value?: bigint };
type PreparedTransaction = Fees & { nonce: number; to: `0x${string}`; data: `0x${string}`; gas: bigint; chainId: number; value?: bigint };

/** Gas headroom over the estimate: state can move between estimate and inclusion (an ADL fill more). */
const GAS_HEADROOM_PERCENT = 125n;
/** A pending transaction's receipt is polled a few times per block: every 50 ms on a local chain
 * that mines at once, every 2 s (at most) on a 12 s chain, not 240 requests per block. */
const POLLS_PER_BLOCK = 6;
const MIN_RECEIPT_POLL_MS = 50;
const MAX_RECEIPT_POLL_MS = 2_000;
/** Blocks averaged to measure the block time. */
const BLOCK_TIME_SAMPLE = 10n;

export function receiptPollMs(blockTimeMs: number): number {
  return Math.min(MAX_RECEIPT_POLL_MS, Math.max(MIN_RECEIPT_POLL_MS, Math.round(blockTimeMs / POLLS_PER_BLOCK)));
}

/** Reverts that mean another keeper got there first, or the state moved on: not failures. */
export const BENIGN_REVERTS = new Set([
  "NotLiquidatable",
  "NothingLiquidated",
  "PositionNotFound",
  "NothingToDeleverage",
  "NoDeleverageProgress",
]);

/** Bounds a call's gas: `maxGas` is what a block can hold (a node rejects a transaction above it),
 * `minGas` what the caller knows the call needs whatever the estimate says. */
export interface GasBounds {
  maxGas?: bigint;
  minGas?: bigint;
}

/** The estimate plus headroom, at least `minGas`, but never above `maxGas`. */
function withHeadroom(estimate: bigint, { maxGas, minGas = 0n }: GasBounds): bigint {
  let gas = (estimate * GAS_HEADROOM_PERCENT) / 100n;
  if (gas < minGas) gas = minGas;
  return maxGas !== undefined && gas > maxGas && estimate <= maxGas ? maxGas : gas;
}

export type SendOutcome =
  | { status: "confirmed"; hash: `0x${string}`; logs: Log[]; gasUsed: bigint; gasCostWei: bigint }
  | { status: "benign" | "failed" | "dry-run"; reason: string }
  /** Shutdown came while the transaction was unmined: it may still land; a restart re-checks. */
  | { status: "pending"; hash: `0x${string}` };

/** The revert's custom error, decoded with every protocol error: an oracle's or a module's error
 * reverts through the engine's or the lens's address, whose own ABI does not declare it. */
export function revertName(error: unknown): string | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (!(revert instanceof ContractFunctionRevertedError)) return undefined;
  return revert.data?.errorName ?? protocolErrorName(revert.raw) ?? revert.reason ?? "unknown revert";
}

export interface SenderOptions {
  client: PublicClient;
  account: LocalAccount;
  config: KeeperConfig;
  log: Logger;
  /** Shutdown: stops waiting on a pending transaction, so SIGTERM is never held up by a stuck one. */
  signal?: AbortSignal;
}

export class TransactionSender {
  private readonly client: PublicClient;
  private readonly account: LocalAccount;
  private readonly config: KeeperConfig;
  private readonly log: Logger;
  private readonly signal: AbortSignal | undefined;
  private pollMs: number | undefined;
  /** The nonce after the last one this sender broadcast: a node that lost sight of transactions
   * still in flight (dropped from its pool, or another node behind a fallback) answers a lower
   * "pending" count, and a nonce taken from it would replace a batch in flight. */
  private nextNonce = 0;

  constructor(options: SenderOptions) {
    ({ client: this.client, account: this.account, config: this.config, log: this.log, signal: this.signal } = options);
  }

  /** The account that signs and pays for every call. */
  get address(): `0x${string}` {
    return this.account.address;
  }

  /** `bounds.maxGas`: the most gas a block can hold, which the gas limit never exceeds; `bounds.minGas`: a floor. */
  async send(request: ContractCall, bounds: GasBounds = {}): Promise<SendOutcome> {
    const address = this.account.address;
    let gas: bigint, estimate: Fees, nonce: number;
    try {
      // Independent reads, so in parallel: they are most of the time from price to broadcast.
      [gas, estimate, nonce] = await Promise.all([
        this.client.estimateContractGas({ ...request, account: address }),
        this.client.estimateFeesPerGas(),
        this.client.getTransactionCount({ address, blockTag: "pending" }),
      ]);
      nonce = Math.max(nonce, this.nextNonce);
    } catch (error) {
      const name = revertName(error);
      if (name === undefined) throw error; // an RPC fault: retryable by the next tick, never a revert
      if (BENIGN_REVERTS.has(name)) return { status: "benign", reason: name };
      this.log.warn({ fn: request.functionName, error: name }, "simulation reverted");
      return { status: "failed", reason: name };
    }
    if (this.config.dryRun) return { status: "dry-run", reason: request.functionName };
    const cap = {
      maxFeePerGas: parseGwei(String(this.config.maxFeePerGasGwei)),
      maxPriorityFeePerGas: parseGwei(String(this.config.maxPriorityFeePerGasGwei)),
    };
    return this.untilMined(
      request,
      {
        to: request.address,
        data: encodeFunctionData(request),
        value: request.value,
        gas: withHeadroom(gas, bounds),
        nonce,
        chainId: this.config.chainId,
        ...cappedFees(estimate, cap),
      },
      cap,
    );
  }

  /**
   * Calls that are independent of each other (liquidation batches of distinct positions), each
   * with its own gas limit, broadcast back to back at consecutive nonces and then waited for in
   * nonce order. Not simulated one by one: the lens previews that chose the entries were the
   * simulation, and a batch reverts only when none of its entries can be liquidated any more (a
   * racing keeper's work), which explainRevert reports as benign. Simulating each block-filling
   * batch again would cost the node as much execution as mining it, blocks the keeper then misses.
   * A broadcast that fails stops the rest: later nonces would wait behind the gap.
   *
   * Resolves once every call is broadcast, with one outcome promise per call: the caller goes on
   * (the keeper's next tick prepares the next batches) while these are mined, so the blocks after
   * a crash never wait for the keeper's turnaround. The receipts are polled one at a time in nonce
   * order, as a later nonce is never mined before an earlier one.
   */
  async sendPipelined(calls: { request: ContractCall; gas: bigint }[]): Promise<Promise<SendOutcome>[]> {
    if (calls.length === 0) return [];
    if (this.config.dryRun) return calls.map((c) => Promise.resolve({ status: "dry-run", reason: c.request.functionName }));
    const address = this.account.address;
    const [estimate, pendingNonce] = await Promise.all([
      this.client.estimateFeesPerGas(),
      this.client.getTransactionCount({ address, blockTag: "pending" }),
    ]);
    const nonce = Math.max(pendingNonce, this.nextNonce);
    const cap = {
      maxFeePerGas: parseGwei(String(this.config.maxFeePerGasGwei)),
      maxPriorityFeePerGas: parseGwei(String(this.config.maxPriorityFeePerGasGwei)),
    };
    const fees = cappedFees(estimate, cap);
    const sent: { request: ContractCall; transaction: PreparedTransaction; hash: `0x${string}` }[] = [];
    for (const [i, { request, gas }] of calls.entries()) {
      const transaction = {
        to: request.address,
        data: encodeFunctionData(request),
        value: request.value,
        gas,
        nonce: nonce + i,
        chainId: this.config.chainId,
        ...fees,
      };
      const broadcastAt = Date.now();
      try {
        const hash = await this.broadcast(transaction);
        this.log.info({ hash, nonce: transaction.nonce, maxFeePerGas: String(fees.maxFeePerGas), broadcastAt }, "transaction sent");
        sent.push({ request, transaction, hash });
      } catch (error) {
        if (i === 0) throw error; // nothing sent: an RPC fault, retried by the next tick
        this.log.warn({ nonce: transaction.nonce, error: (error as Error).message.split("\n")[0] }, "pipelined broadcast failed");
        break;
      }
    }
    // Each watch starts when the one before it ends, whether it ended in a receipt or an RPC fault.
    let previous: Promise<unknown> = Promise.resolve();
    const outcomes = sent.map((s) => {
      const outcome = previous.catch(() => undefined).then(() => this.watch(s.request, s.transaction, [s.hash], cap));
      previous = outcome;
      return outcome;
    });
    const unsent = calls
      .slice(sent.length)
      .map((c) => Promise.resolve<SendOutcome>({ status: "failed", reason: `${c.request.functionName}: not broadcast` }));
    return [...outcomes, ...unsent];
  }

  /** Broadcasts, then replaces the transaction with dearer fees whenever it sits unmined too long. */
  private async untilMined(request: ContractCall, first: PreparedTransaction, cap: Fees): Promise<SendOutcome> {
    // A local node mines before it answers, so the hand-over time is logged apart (latency metric).
    const broadcastAt = Date.now();
    const hashes = [await this.broadcast(first)];
    this.log.info({ hash: hashes[0], nonce: first.nonce, maxFeePerGas: String(first.maxFeePerGas), broadcastAt }, "transaction sent");
    return this.watch(request, first, hashes, cap);
  }

  /** Waits for one of `hashes` (same nonce) to be mined, replacing it with dearer fees whenever it
   * sits unmined for replaceAfterMs. */
  private async watch(request: ContractCall, first: PreparedTransaction, hashes: `0x${string}`[], cap: Fees): Promise<SendOutcome> {
    let current = first;
    for (;;) {
      let receipt = await this.receiptOf(hashes);
      if (!receipt && !this.signal?.aborted && (await this.nonceTaken(current.nonce))) {
        // Mined between the last poll and the count, or replaced by another transaction of this
        // account (a second keeper process on the same key, a node that lost it and a later nonce
        // reuse): then no receipt of ours will ever come, and waiting would hold up everything
        // queued behind this call.
        receipt = await this.receiptNow(hashes);
        if (!receipt) {
          this.log.warn({ hashes, nonce: current.nonce }, "transaction's nonce used by another transaction");
          return { status: "failed", reason: `${request.functionName}: nonce ${current.nonce} was used by another transaction` };
        }
      }
      if (receipt) {
        if (receipt.status !== "success") return this.explainRevert(request, receipt.transactionHash, receipt.gasUsed, current.gas);
        return {
          status: "confirmed",
          hash: receipt.transactionHash,
          logs: receipt.logs,
          gasUsed: receipt.gasUsed,
          gasCostWei: receipt.gasUsed * receipt.effectiveGasPrice,
        };
      }
      if (this.signal?.aborted) {
        this.log.warn({ hash: hashes.at(-1), nonce: current.nonce }, "shutting down with a transaction still pending");
        return { status: "pending", hash: hashes.at(-1)! };
      }
      const estimate = await this.client.estimateFeesPerGas().catch(() => current);
      const next = replacementFees(current, estimate, cap, this.config.feeBumpPercent);
      if (!next) {
        // The same transaction again: a node that dropped it from its pool takes it back.
        await this.broadcast(current).catch(() => undefined);
        this.log.warn({ hash: hashes.at(-1), nonce: current.nonce }, "transaction stuck at the fee cap; waiting");
        continue;
      }
      // The fees ratchet even when a node refuses the replacement, so the next try bids higher.
      current = { ...current, ...next };
      try {
        hashes.push(await this.broadcast(current));
        this.log.warn({ hash: hashes.at(-1), nonce: current.nonce, maxFeePerGas: String(next.maxFeePerGas) }, "replaced stuck transaction");
      } catch (error) {
        // Often the original was mined meanwhile ("nonce too low"); the next receipt check sees it.
        this.log.warn({ nonce: current.nonce, error: (error as Error).message.split("\n")[0] }, "replacement not accepted");
      }
    }
  }

  /**
   * A call that passed simulation but reverted on-chain most often lost a race: another keeper's
   * call landed first in the same block. The same call, simulated again now, then reverts with one
   * of the "already done" errors; anything else is a real failure, logged decoded.
   */
  private async explainRevert(request: ContractCall, hash: `0x${string}`, gasUsed: bigint, gasLimit: bigint): Promise<SendOutcome> {
    const name = await this.client.estimateContractGas({ ...request, account: this.account.address }).then(() => undefined, revertName);
    if (name !== undefined && BENIGN_REVERTS.has(name)) return { status: "benign", reason: `${name}: lost a race on-chain (${hash})` };
    // With no reason now, gas used against the limit tells an out-of-gas revert from the rest.
    this.log.warn(
      { hash, error: name ?? "unknown", gasUsed: String(gasUsed), gasLimit: String(gasLimit) },
      "transaction reverted on-chain",
    );
    return { status: "failed", reason: `reverted on-chain (${hash})${name ? `: ${name}` : ""}` };
  }

  private async broadcast(transaction: PreparedTransaction) {
    const serializedTransaction = await this.account.signTransaction({ ...transaction, type: "eip1559" });
    const hash = await this.client.sendRawTransaction({ serializedTransaction });
    this.nextNonce = Math.max(this.nextNonce, transaction.nonce + 1);
    return hash;
  }

  /** The average block time of the last blocks, measured once, sets the receipt poll interval. */
  private async receiptPollInterval(): Promise<number> {
    if (this.pollMs !== undefined) return this.pollMs;
    try {
      const head = await this.client.getBlock();
      const from = head.number > BLOCK_TIME_SAMPLE ? head.number - BLOCK_TIME_SAMPLE : 0n;
      const earlier = await this.client.getBlock({ blockNumber: from });
      const blocks = Number(head.number - from);
      this.pollMs = receiptPollMs(blocks ? (Number(head.timestamp - earlier.timestamp) * 1000) / blocks : 0);
    } catch {
      return MIN_RECEIPT_POLL_MS; // measured again next time
    }
    return this.pollMs;
  }

  /** The receipt of whichever same-nonce transaction got mined, if one does within `replaceAfterMs`. */
  private async receiptOf(hashes: `0x${string}`[]) {
    const pollMs = await this.receiptPollInterval();
    const deadline = Date.now() + this.config.replaceAfterMs;
    for (;;) {
      const receipt = await this.receiptNow(hashes);
      if (receipt) return receipt;
      if (Date.now() >= deadline || this.signal?.aborted) return undefined;
      // Shutdown cuts the wait short: a 2 s poll must not hold up SIGTERM.
      await sleep(Math.min(pollMs, deadline - Date.now()), undefined, { signal: this.signal }).catch(() => undefined);
    }
  }

  /** The receipt of any of `hashes`, asked once each. */
  private async receiptNow(hashes: `0x${string}`[]) {
    for (const hash of hashes) {
      // A failed lookup is RPC weather, not an answer: the next poll asks again.
      const receipt = await this.client.getTransactionReceipt({ hash }).catch(() => undefined);
      if (receipt) return receipt;
    }
    return undefined;
  }

  /** Whether the chain has mined a transaction of this account at `nonce` (ours or another). */
  private async nonceTaken(nonce: number): Promise<boolean> {
    const mined = await this.client.getTransactionCount({ address: this.account.address, blockTag: "latest" }).catch(() => 0);
    return mined > nonce;
  }
}
