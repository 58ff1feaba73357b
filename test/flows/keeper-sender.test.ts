// The keeper's transaction sender against the in-process chain with automine off, so a
// transaction can sit in the mempool the way it does when fees spike on a real network.
import { expect } from "chai";
import { network } from "hardhat";
import { pino } from "pino";
import { privateKeyToAccount } from "viem/accounts";
import { contractCall } from "../../keeper/contracts.ts";
import { TransactionSender, receiptPollMs } from "../../keeper/sender.ts";
import { testTokenAbi } from "../../sdk/src/abis.ts";
import { inProcessClient, inProcessKeeperConfig } from "../../scripts/lib/embeddedKeeper.ts";

const { ethers, provider } = await network.create();
// Hardhat's first default account: a well-known test key, funded on the in-process chain.
const KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

interface LogLine {
  msg: string;
  hash?: `0x${string}`;
  nonce?: number;
  maxFeePerGas?: string;
}

function makeSender(overrides: Record<string, unknown>, signal?: AbortSignal) {
  const publicClient = inProcessClient(provider);
  const lines: LogLine[] = [];
  const log = pino({}, { write: (line: string) => lines.push(JSON.parse(line)) });
  const config = inProcessKeeperConfig(31337, KEY, { replaceAfterMs: 200, ...overrides });
  return {
    sender: new TransactionSender({ client: publicClient, account: privateKeyToAccount(KEY), config, log, signal }),
    lines,
    publicClient,
  };
}

/** A `mint` of the test token, as the sender takes it. */
async function mintCall(to: string, amount: bigint) {
  const token = await ethers.deployContract("TestToken", ["Test", "T", 6]);
  const call = contractCall({
    address: (await token.getAddress()) as `0x${string}`,
    abi: testTokenAbi,
    functionName: "mint",
    args: [to as `0x${string}`, amount],
  });
  return { token, call };
}

/** Runs `work` while transactions wait in the mempool; one block is mined when it is done. The
 * result is boxed so that a pending send can be returned without being awaited before the block. */
async function withAutomineOff<T>(work: () => Promise<T>): Promise<T> {
  await provider.request({ method: "evm_setAutomine", params: [false] });
  try {
    return await work();
  } finally {
    await provider.request({ method: "evm_mine", params: [] });
    await provider.request({ method: "evm_setAutomine", params: [true] });
  }
}

async function untilLogged(lines: LogLine[], done: (lines: LogLine[]) => boolean) {
  for (let i = 0; i < 200 && !done(lines); i++) await new Promise((r) => setTimeout(r, 25));
  expect(done(lines), JSON.stringify(lines)).to.equal(true);
}

async function stuckMint(overrides: Record<string, unknown>, waitFor: (lines: LogLine[]) => boolean) {
  const recipient = ethers.Wallet.createRandom().address;
  const { token, call } = await mintCall(recipient, 123n);
  const { sender, lines, publicClient } = makeSender(overrides);
  const { pending } = await withAutomineOff(async () => {
    const pending = sender.send(call);
    await untilLogged(lines, waitFor);
    return { pending };
  });
  return { outcome: await pending, lines, publicClient, minted: await token.balanceOf(recipient) };
}

const count = (lines: LogLine[], msg: string) => lines.filter((l) => l.msg === msg).length;

describe("keeper transaction sender", () => {
  it("polls a receipt about six times per block, not every 50 ms whatever the chain", () => {
    expect(receiptPollMs(12_000)).to.equal(2_000); // a 12 s chain: 6 polls a block, was 240
    expect(receiptPollMs(2_000)).to.equal(333); // a 2 s L2
    expect(receiptPollMs(250)).to.equal(50); // a fast L2 or a local node: never below 50 ms
    expect(receiptPollMs(0)).to.equal(50); // automine: blocks share a timestamp
    expect(receiptPollMs(60_000)).to.equal(2_000); // a stalled chain: at most 2 s between polls
  });

  it("replaces a stuck transaction at the same nonce with fees at least 10% higher each time, and the call runs once", async () => {
    const { outcome, lines, publicClient, minted } = await stuckMint(
      { maxPriorityFeePerGasGwei: 500, feeBumpPercent: 10 },
      (l) => count(l, "replaced stuck transaction") >= 2,
    );
    expect(outcome.status).to.equal("confirmed");
    const sent = lines.filter((l) => l.msg === "transaction sent" || l.msg === "replaced stuck transaction");
    for (let i = 1; i < sent.length; i++) {
      expect(sent[i].nonce).to.equal(sent[0].nonce);
      expect(BigInt(sent[i].maxFeePerGas!) * 100n >= BigInt(sent[i - 1].maxFeePerGas!) * 110n).to.equal(true);
    }
    const mined = await publicClient.getTransaction({ hash: (outcome as { hash: `0x${string}` }).hash });
    expect(mined.nonce).to.equal(sent[0].nonce);
    expect(mined.hash).to.equal(sent.at(-1)!.hash);
    expect(mined.maxFeePerGas).to.equal(BigInt(sent.at(-1)!.maxFeePerGas!));
    expect(minted).to.equal(123n);
  });

  it("waits at the fee cap instead of bidding past it", async () => {
    const tipGwei = Number((await provider.request({ method: "eth_maxPriorityFeePerGas", params: [] })) as string) / 1e9;
    const { outcome, lines, minted } = await stuckMint(
      { maxPriorityFeePerGasGwei: tipGwei },
      (l) => count(l, "transaction stuck at the fee cap; waiting") >= 2,
    );
    expect(count(lines, "replaced stuck transaction")).to.equal(0);
    expect(outcome).to.include({ status: "confirmed", hash: lines.find((l) => l.msg === "transaction sent")!.hash });
    expect(minted).to.equal(123n);
  });

  it("gives up on a transaction whose nonce another transaction of the account took, instead of waiting forever", async () => {
    const recipient = ethers.Wallet.createRandom().address;
    const { token, call } = await mintCall(recipient, 5n);
    const { sender, lines } = makeSender({ replaceAfterMs: 200 });
    const { pending } = await withAutomineOff(async () => {
      const pending = sender.send(call);
      await untilLogged(lines, (l) => count(l, "transaction sent") === 1);
      // The same key elsewhere (a second keeper, a lost transaction's nonce reused) outbids it.
      const wallet = new ethers.Wallet(KEY, ethers.provider);
      const nonce = lines.find((l) => l.msg === "transaction sent")!.nonce!;
      const dear = ethers.parseUnits("5000", "gwei");
      await wallet.sendTransaction({ to: wallet.address, nonce, maxFeePerGas: dear, maxPriorityFeePerGas: dear });
      return { pending };
    });
    const outcome = await Promise.race([pending, new Promise((resolve) => setTimeout(() => resolve("still waiting"), 10_000))]);
    expect(outcome).to.deep.include({ status: "failed" });
    expect((outcome as { reason: string }).reason).to.match(/^mint: nonce \d+ was used by another transaction$/);
    expect(await token.balanceOf(recipient)).to.equal(0n);
  });

  it("broadcasts a transaction again at the fee cap, so one the node dropped from its pool still lands", async () => {
    const tipGwei = Number((await provider.request({ method: "eth_maxPriorityFeePerGas", params: [] })) as string) / 1e9;
    const recipient = ethers.Wallet.createRandom().address;
    const { token, call } = await mintCall(recipient, 7n);
    const { sender, lines } = makeSender({ replaceAfterMs: 200, maxPriorityFeePerGasGwei: tipGwei });
    const { pending } = await withAutomineOff(async () => {
      const pending = sender.send(call);
      await untilLogged(lines, (l) => count(l, "transaction sent") === 1);
      const hash = lines.find((l) => l.msg === "transaction sent")!.hash!;
      await provider.request({ method: "hardhat_dropTransaction", params: [hash] });
      await untilLogged(lines, (l) => count(l, "transaction stuck at the fee cap; waiting") >= 1);
      return { pending };
    });
    expect((await pending).status).to.equal("confirmed");
    expect(await token.balanceOf(recipient)).to.equal(7n);
  });

  it("stops waiting on a pending transaction at shutdown, and reports it as pending", async () => {
    const { call } = await mintCall(ethers.Wallet.createRandom().address, 1n);
    const shutdown = new AbortController();
    const { sender, lines } = makeSender({ replaceAfterMs: 60_000 }, shutdown.signal);
    await withAutomineOff(async () => {
      const outcome = sender.send(call);
      await untilLogged(lines, (l) => count(l, "transaction sent") > 0);
      const abortedAt = Date.now();
      shutdown.abort();
      const result = await outcome;
      expect(Date.now() - abortedAt).to.be.lessThan(1_000); // not the 60 s replacement wait
      expect(result).to.deep.equal({ status: "pending", hash: lines.find((l) => l.msg === "transaction sent")!.hash });
    });
  });

  it("sends pipelined calls back to back at consecutive nonces and returns before they are mined, all in one block, each with its own gas limit", async () => {
    const recipients = [1, 2, 3].map(() => ethers.Wallet.createRandom().address);
    const { token, call } = await mintCall(recipients[0], 1n);
    const { sender, lines, publicClient } = makeSender({ replaceAfterMs: 60_000 });
    const first = await ethers.provider.getTransactionCount(new ethers.Wallet(KEY).address);
    const calls = recipients.map((to, i) => ({ request: { ...call, args: [to, BigInt(i + 1)] }, gas: 100_000n + BigInt(i) }));
    const landing = await withAutomineOff(async () => {
      // Resolves once all three are broadcast, before any block: no send waited for the one before.
      const landing = await sender.sendPipelined(calls);
      expect(count(lines, "transaction sent")).to.equal(3);
      const address = new ethers.Wallet(KEY).address;
      expect(await ethers.provider.getTransactionCount(address, "pending")).to.equal(first + 3);
      expect(await ethers.provider.getTransactionCount(address, "latest")).to.equal(first); // none mined yet
      return landing;
    });
    const outcomes = await Promise.all(landing);
    expect(outcomes.map((o) => o.status)).to.deep.equal(["confirmed", "confirmed", "confirmed"]);
    const mined = await Promise.all(outcomes.map((o) => publicClient.getTransaction({ hash: (o as { hash: `0x${string}` }).hash })));
    expect(mined.map((t) => t.nonce)).to.deep.equal([first, first + 1, first + 2]);
    expect(new Set(mined.map((t) => t.blockNumber)).size).to.equal(1);
    expect(mined.map((t) => t.gas)).to.deep.equal([100_000n, 100_001n, 100_002n]);
    expect(await Promise.all(recipients.map((r) => token.balanceOf(r)))).to.deep.equal([1n, 2n, 3n]);
  });

  it("never reuses the nonce of a transaction in flight that the node lost, so the batch behind it is not replaced", async () => {
    const recipients = [1, 2, 3].map(() => ethers.Wallet.createRandom().address);
    const { token, call } = await mintCall(recipients[0], 1n);
    const { sender, lines } = makeSender({ replaceAfterMs: 200 });
    const address = new ethers.Wallet(KEY).address;
    const first = await ethers.provider.getTransactionCount(address);
    const landing = await withAutomineOff(async () => {
      const pipelined = await sender.sendPipelined(
        recipients.slice(0, 2).map((to, i) => ({ request: { ...call, args: [to, BigInt(i + 1)] }, gas: 100_000n })),
      );
      // The node loses the second: its "pending" count falls back to first + 1.
      await provider.request({ method: "hardhat_dropTransaction", params: [lines.filter((l) => l.msg === "transaction sent")[1].hash] });
      expect(await ethers.provider.getTransactionCount(address, "pending")).to.equal(first + 1);
      const single = sender.send({ ...call, args: [recipients[2] as `0x${string}`, 3n] });
      await untilLogged(lines, (l) => count(l, "transaction sent") === 3);
      return [...pipelined, single];
    });
    expect(lines.filter((l) => l.msg === "transaction sent").map((l) => l.nonce)).to.deep.equal([first, first + 1, first + 2]);
    await provider.request({ method: "evm_mine", params: [] }); // the lost one, sent again, and the one behind it
    const outcomes = await Promise.all(landing);
    expect(outcomes.map((o) => o.status)).to.deep.equal(["confirmed", "confirmed", "confirmed"]);
    expect(await Promise.all(recipients.map((r) => token.balanceOf(r)))).to.deep.equal([1n, 2n, 3n]);
  });

  it("decodes a revert found in simulation, reports it as failed, and never sends it", async () => {
    const token = await ethers.deployContract("TestToken", ["Test", "T", 6]);
    const { sender, lines } = makeSender({});
    const before = await ethers.provider.getTransactionCount(new ethers.Wallet(KEY).address);
    const outcome = await sender.send(
      contractCall({
        address: (await token.getAddress()) as `0x${string}`,
        abi: testTokenAbi,
        functionName: "transfer",
        args: [ethers.ZeroAddress as `0x${string}`, 1n],
      }),
    );
    expect(outcome).to.deep.equal({ status: "failed", reason: "ERC20InvalidReceiver" });
    expect(count(lines, "transaction sent")).to.equal(0);
    expect(await ethers.provider.getTransactionCount(new ethers.Wallet(KEY).address)).to.equal(before);
  });
});
