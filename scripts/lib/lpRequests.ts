// LP deposits and redemptions are requests that settle only after MIN_REQUEST_DELAY and once every
// market has published a price after them (LiquidityVault). On a production chain the keeper
// settles them (keeper/lpRequests.ts). On a local chain nothing publishes prices by itself, so
// these helpers move time on, republish each settable feed's current answer and settle at once:
// for the demo, the local-chain scripts, the benchmarks and the tests' seeding.
import type { ContractTransactionResponse, Log } from "ethers";

/** What the helpers need of a local chain: the JSON-RPC escape hatch of an ethers provider. */
export interface LocalChain {
  send(method: string, params: unknown[]): Promise<unknown>;
}

/** A settable feed (SettableAggregator): republishing its answer publishes a new round now. */
export interface SettableFeed {
  latestRoundData(): Promise<readonly [bigint, bigint, bigint, bigint, bigint] | bigint[]>;
  setAnswer(answer: bigint): Promise<{ wait(): Promise<unknown> }>;
}

/** The vault calls used here, as typechain or a plain ethers Contract exposes them. */
export interface RequestVault {
  requestDeposit(assets: bigint, receiver: string): Promise<ContractTransactionResponse>;
  requestRedeem(shares: bigint, receiver: string): Promise<ContractTransactionResponse>;
  settleRequest(id: bigint): Promise<ContractTransactionResponse>;
  MIN_REQUEST_DELAY(): Promise<bigint>;
  interface: { parseLog(log: { topics: readonly string[]; data: string }): { name: string; args: { id?: bigint } & unknown[] } | null };
}

/** The id of the request that `tx` made, from its DepositRequested / RedeemRequested event. */
export async function requestIdOf(vault: RequestVault, tx: ContractTransactionResponse): Promise<bigint> {
  const receipt = await tx.wait();
  for (const log of (receipt?.logs ?? []) as Log[]) {
    const parsed = vault.interface.parseLog(log);
    if (parsed && (parsed.name === "DepositRequested" || parsed.name === "RedeemRequested")) return parsed.args[0] as bigint;
  }
  throw new Error(`transaction ${tx.hash} made no LP request`);
}

/**
 * How MIN_REQUEST_DELAY passes: "warp" moves the chain's clock (in-process chains), "wait" lets it
 * pass in real time, for a node whose clock must stay in step with the wall clock (an anvil
 * restarted from its state file resumes at wall-clock time: a warped chain would go back in time).
 */
export type Clock = "warp" | "wait";

/** Makes every pending request due: MIN_REQUEST_DELAY passes, then each feed publishes again. */
export async function publishAfterRequests(chain: LocalChain, vault: RequestVault, feeds: readonly SettableFeed[], clock: Clock = "warp") {
  const delay = Number(await vault.MIN_REQUEST_DELAY());
  if (clock === "warp") {
    await chain.send("evm_increaseTime", [delay]);
    await chain.send("evm_mine", []);
  } else {
    await new Promise((resolve) => setTimeout(resolve, (delay + 1) * 1000));
  }
  for (const feed of feeds) {
    const round = await feed.latestRoundData();
    await (await feed.setAnswer(round[1])).wait();
  }
}

/** Requests a deposit of `assets` for `receiver`, makes it due and settles it (local chains only). */
export async function depositThroughRequest(
  chain: LocalChain,
  vault: RequestVault,
  feeds: readonly SettableFeed[],
  assets: bigint,
  receiver: string,
  clock: Clock = "warp",
) {
  const id = await requestIdOf(vault, await vault.requestDeposit(assets, receiver));
  await publishAfterRequests(chain, vault, feeds, clock);
  await (await vault.settleRequest(id)).wait();
  return id;
}

/** Requests a redemption of `shares`, makes it due and sends its settlement, which may revert. */
export async function redeemThroughRequest(
  chain: LocalChain,
  vault: RequestVault,
  feeds: readonly SettableFeed[],
  shares: bigint,
  receiver: string,
) {
  const id = await requestIdOf(vault, await vault.requestRedeem(shares, receiver));
  await publishAfterRequests(chain, vault, feeds);
  return { id, settlement: vault.settleRequest(id) };
}
