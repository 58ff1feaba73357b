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
  parseGwei,
} from "viem";
import type { Logger } from "pino";
import type { KeeperConfig } from "./config.ts";

/** Reverts that mean another keeper got there first, or the state moved on: not failures. */
export const BENIGN_REVERTS = new Set([
  "NotLiquidatable",
  "NothingLiquidated",
  "PositionNotFound",
  "NothingToDeleverage",
  "NoDeleverageProgress",
  "NotTopRanked",
]);

export type SendOutcome = { status: "confirmed"; hash: `0x${string}` } | { status: "benign" | "failed" | "dry-run"; reason: string };

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
    const fees = await this.publicClient.estimateFeesPerGas();
    const maxFeeCap = parseGwei(String(this.config.maxFeePerGasGwei));
    const tipCap = parseGwei(String(this.config.maxPriorityFeePerGasGwei));
    const hash = await this.walletClient.writeContract({
      ...simulated.request,
      maxFeePerGas: fees.maxFeePerGas < maxFeeCap ? fees.maxFeePerGas : maxFeeCap,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas < tipCap ? fees.maxPriorityFeePerGas : tipCap,
    } as never);
    const receipt = await this.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") return { status: "failed", reason: `reverted on-chain: ${hash}` };
    return { status: "confirmed", hash };
  }
}
