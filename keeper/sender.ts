// Simulates, then sends, contract calls with capped EIP-1559 fees and viem's nonce manager, and
// classifies reverts: a racing keeper's "already done" is normal; anything else is logged decoded.
import {
  type Abi,
  BaseError,
  ContractFunctionRevertedError,
  type PublicClient,
  type WalletClient,
  type Account,
  type Chain,
  type Transport,
  encodeFunctionData,
  type Log,
  parseGwei,
} from "viem";
import type { Logger } from "pino";
import type { KeeperConfig } from "./config.ts";
import { type Fees, cappedFees, replacementFees } from "./fees.ts";

type PreparedTransaction = Fees & { nonce: number; to: `0x${string}`; data: `0x${string}`; gas: bigint };

/** How often a pending transaction's receipt is polled: fast, since a local block takes milliseconds. */
const RECEIPT_POLL_MS = 50;

/** Reverts that mean another keeper got there first, or the state moved on: not failures. */
export const BENIGN_REVERTS = new Set([
  "NotLiquidatable",
  "NothingLiquidated",
  "PositionNotFound",
  "NothingToDeleverage",
  "NoDeleverageProgress",
  "NotTopRanked",
]);

export type SendOutcome =
  { status: "confirmed"; hash: `0x${string}`; logs: Log[] } | { status: "benign" | "failed" | "dry-run"; reason: string };

export function revertName(error: unknown): string | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
  return revert instanceof ContractFunctionRevertedError ? (revert.data?.errorName ?? revert.reason ?? "unknown revert") : undefined;
}

export class TransactionSender {
  private readonly publicClient: PublicClient;
  private readonly walletClient: WalletClient<Transport, Chain, Account>;
  private readonly config: KeeperConfig;
  private readonly log: Logger;

  constructor(publicClient: PublicClient, walletClient: WalletClient<Transport, Chain, Account>, config: KeeperConfig, log: Logger) {
    this.publicClient = publicClient;
    this.walletClient = walletClient;
    this.config = config;
    this.log = log;
  }

  async send(request: { address: `0x${string}`; abi: Abi; functionName: string; args: readonly unknown[] }): Promise<SendOutcome> {
    let simulated;
    try {
      simulated = await this.publicClient.simulateContract({ ...request, account: this.walletClient.account });
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
    // The nonce is fixed here, once, so every replacement competes for the same slot.
    const prepared = await this.walletClient.prepareTransactionRequest({
      to: request.address,
      data: encodeFunctionData(request),
      ...cappedFees(await this.publicClient.estimateFeesPerGas(), cap),
    } as never);
    return this.untilMined(prepared as PreparedTransaction, cap);
  }

  /** Broadcasts, then replaces the transaction with dearer fees whenever it sits unmined too long. */
  private async untilMined(first: PreparedTransaction, cap: Fees): Promise<SendOutcome> {
    let current = first;
    const hashes = [await this.broadcast(current)];
    this.log.info({ hash: hashes[0], nonce: current.nonce, maxFeePerGas: String(current.maxFeePerGas) }, "transaction sent");
    for (;;) {
      const receipt = await this.receiptOf(hashes);
      if (receipt) {
        if (receipt.status !== "success") return { status: "failed", reason: `reverted on-chain: ${receipt.transactionHash}` };
        return { status: "confirmed", hash: receipt.transactionHash, logs: receipt.logs };
      }
      const estimate = await this.publicClient.estimateFeesPerGas().catch(() => current);
      const next = replacementFees(current, estimate, cap, this.config.feeBumpPercent);
      if (!next) {
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

  private async broadcast(transaction: PreparedTransaction) {
    const serializedTransaction = await this.walletClient.signTransaction(transaction as never);
    return this.publicClient.sendRawTransaction({ serializedTransaction });
  }

  /** The receipt of whichever same-nonce transaction got mined, if one does within `replaceAfterMs`. */
  private async receiptOf(hashes: `0x${string}`[]) {
    const deadline = Date.now() + this.config.replaceAfterMs;
    for (;;) {
      for (const hash of hashes) {
        // A failed lookup is RPC weather, not an answer: the next poll asks again.
        const receipt = await this.publicClient.getTransactionReceipt({ hash }).catch(() => undefined);
        if (receipt) return receipt;
      }
      if (Date.now() >= deadline) return undefined;
      await new Promise((resolve) => setTimeout(resolve, RECEIPT_POLL_MS));
    }
  }
}
