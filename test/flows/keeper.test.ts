// The keeper end to end: a real `hardhat node` on 127.0.0.1, the protocol deployed by the testnet
// deploy script, traders seeded over JSON-RPC, and the real keeper CLI as a child process. Every
// process is stopped by its PID.
import type { ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { formatUnits, parseUnits } from "ethers";
import { bucketEdge, bucketOf, rankSide } from "../../client/adl.ts";
import {
  devWallet as wallet,
  freshProvider,
  fundedRandomWallet,
  openPositionFor,
  protocolAt,
  seedVault,
  startLocalChain,
  startProcess as start,
  stopProcess as stop,
} from "../../scripts/lib/localChain.ts";
import { startFaultyProxy } from "../helpers/faultyRpcProxy.ts";
import { eventually, keeperConfigFile, runKeeper as runKeeperIn } from "../helpers/keeperProcess.ts";
import { openPositionsOf } from "../../scripts/lib/positions.ts";

describe("keeper (end to end against a real node)", function () {
  this.timeout(180_000);
  let node: ChildProcess | undefined;
  let keeper: ChildProcess | undefined;
  let rpcUrl: string;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "keeper-e2e-"));
    ({ rpcUrl, node } = await startLocalChain(join(dir, "book.json")));
  });

  after(() => {
    stop(keeper);
    stop(node);
  });

  const writeConfig = (overrides: Record<string, unknown> = {}) => keeperConfigFile(dir, rpcUrl, overrides);
  const runKeeper = (overrides: Record<string, unknown>) => runKeeperIn(dir, rpcUrl, overrides);

  it("rejects a bad config and an unreachable RPC with one clear line", async () => {
    const bad = start("node", ["keeper/cli.ts", "run", "--config", writeConfig({ chainId: -1 })], null);
    await bad.done;
    expect(bad.child.exitCode).to.equal(2);
    expect(bad.output().trim()).to.match(/^keeper: invalid config: chainId: /);
    const badKey = start("node", ["keeper/cli.ts", "run", "--config", writeConfig({ privateKey: "0x1234" })], null);
    await badKey.done;
    expect(badKey.output()).to.match(/invalid config: privateKey/);
    expect(badKey.output()).to.not.match(/0x1234/); // a secret is never echoed
    const unreachable = start("node", ["keeper/cli.ts", "run", "--config", writeConfig({ rpcUrls: ["http://127.0.0.1:9"] })], null);
    await unreachable.done;
    expect(unreachable.child.exitCode).to.equal(2);
    expect(unreachable.output()).to.match(/RPC unreachable/);
  });

  it("liquidates an underwater position within a few blocks of the price update", async () => {
    const provider = freshProvider(rpcUrl);
    const { feed, engine } = await protocolAt(join(dir, "book.json"), wallet(0, provider));
    await seedVault(join(dir, "book.json"), wallet(0, provider), "1000000");
    const id = await openPositionFor(join(dir, "book.json"), wallet(1, provider), "10", "1600");

    const run = start("node", ["keeper/cli.ts", "run", "--config", writeConfig()], /keeper started/);
    keeper = run.child;
    await run.done;
    const before = await provider.getBlockNumber();
    await (await feed.setAnswer(2850_00000000n)).wait();
    const updateBlock = await provider.getBlockNumber();
    await eventually(async () => (await engine.position(id)).size < parseUnits("10", 18));
    const after = await engine.position(id);
    expect(after.size < parseUnits("10", 18), run.output()).to.equal(true);
    const liquidationBlock = await provider.getBlockNumber();
    expect(liquidationBlock - updateBlock).to.be.lessThanOrEqual(3);
    expect(before).to.be.lessThan(updateBlock);
    expect(run.output()).to.match(/"msg":"liquidation batch"/);
    stop(keeper);
    await new Promise((r) => keeper!.once("exit", r));
    expect(run.output()).to.match(/"msg":"keeper stopped"/); // graceful shutdown on SIGTERM

    const healthy = await openPositionFor(join(dir, "book.json"), wallet(8, provider), "2", "1000");
    const status = start("node", ["keeper/cli.ts", "status", "--config", writeConfig()], null);
    await status.done;
    expect(status.child.exitCode, status.output()).to.equal(0);
    const report = status.output();
    expect(report, report).to.match(/open positions: 1; most at risk/);
    expect(report, report).to.match(/market ETH \(#0\): price 2850\.00/);
    expect(report, report).to.match(/coverage \d+\.\d\d%/);
    expect(report, report).to.match(new RegExp(`ADL queue long top: #${healthy} rank 1/1 score -?\\d+ lights 5/5`));
    expect(report, report).to.match(new RegExp(`#${healthy} ratio \\d+\\.\\d{3}\\n`));
  });

  it("two racing keepers, one restarted mid-run, liquidate everything without failures", async () => {
    const provider = freshProvider(rpcUrl);
    const { feed, engine } = await protocolAt(join(dir, "book.json"), wallet(0, provider));
    await (await feed.setAnswer(3000_00000000n)).wait();
    const ids: bigint[] = [];
    for (let i = 2; i < 8; i++) ids.push(await openPositionFor(join(dir, "book.json"), wallet(i, provider), "5", "800"));
    const a = start(
      "node",
      ["keeper/cli.ts", "run", "--config", writeConfig({ privateKey: wallet(10, provider).privateKey, stateFile: join(dir, "a.json") })],
      /keeper started/,
    );
    const b = start(
      "node",
      ["keeper/cli.ts", "run", "--config", writeConfig({ privateKey: wallet(11, provider).privateKey, stateFile: join(dir, "b.json") })],
      /keeper started/,
    );
    await Promise.all([a.done, b.done]);
    // Keeper A is killed hard mid-run and restarted from its state file.
    a.child.kill("SIGKILL");
    const restarted = start(
      "node",
      ["keeper/cli.ts", "run", "--config", writeConfig({ privateKey: wallet(10, provider).privateKey, stateFile: join(dir, "a.json") })],
      /keeper started/,
    );
    await restarted.done;
    await (await feed.setAnswer(2700_00000000n)).wait();
    const allDone = async () => (await Promise.all(ids.map((id) => engine.position(id)))).every((p) => p.size < parseUnits("5", 18));
    await eventually(allDone);
    stop(b.child);
    stop(restarted.child);
    expect(await allDone(), b.output() + restarted.output()).to.equal(true);
    // Racing is normal: the loser's simulation sees "already liquidated" and sends nothing.
    for (const output of [b.output(), restarted.output()]) expect(output).to.not.match(/"status":"failed"/);
  });

  const openFor = (i: number, sizeEth: string, marginUsd: string) =>
    openPositionFor(join(dir, "book.json"), wallet(i, freshProvider(rpcUrl)), sizeEth, marginUsd);

  async function feedAndEngine() {
    const provider = freshProvider(rpcUrl);
    return { provider, ...(await protocolAt(join(dir, "book.json"), wallet(0, provider))) };
  }

  it("covers a bankrupt position's deficit by ADL against the top-ranked shorts, in rank order", async () => {
    const { provider, feed, engine } = await feedAndEngine();
    await (await feed.setAnswer(3000_00000000n)).wait();
    const shorts = [await openFor(12, "-4", "12000"), await openFor(13, "-4", "1500"), await openFor(14, "-4", "4000")];
    const whale = await openFor(15, "30", "4600");
    const before = await openPositionsOf(engine, shorts);
    const run = await runKeeper({ privateKey: wallet(16, provider).privateKey, stateFile: join(dir, "adl.json") });
    const insuranceBefore = (await engine.insuranceFund()) as bigint;
    await (await feed.setAnswer(2700_00000000n)).wait(); // the 30 ETH long loses 9,000 on ~4,555
    await eventually(async () => (await engine.position(whale)).size === 0n);
    stop(run.child);
    expect((await engine.position(whale)).size, run.output()).to.equal(0n);
    const fills = (await engine.queryFilter(engine.filters.AdlFill())).map(
      (e) => (e as unknown as { args: { positionId: bigint } }).args.positionId,
    );
    expect(fills.length > 0).to.equal(true);
    // The insurance fund paid first, all of it; only the rest became ADL debt.
    const args = async (filter: unknown) =>
      (await engine.queryFilter(filter as never)).map((e) => (e as unknown as { args: Record<string, bigint> }).args);
    const [liquidated] = await args(engine.filters.Liquidated(whale));
    const [uncovered] = await args(engine.filters.DeficitUncovered(0, whale));
    expect(insuranceBefore > 0n).to.equal(true);
    // The keeper's reward for a bankrupt liquidation is owed with the deficit.
    expect(liquidated.keeperReward > 0n).to.equal(true);
    expect(uncovered.amount).to.equal(liquidated.deficit + liquidated.keeperReward - insuranceBefore);
    const x = 2700n * 10n ** 18n - (await engine.marketState(0)).fundingIndex;
    const ranking = rankSide(before, x, 10n ** 30n).map((r) => r.position.id);
    expect(fills).to.deep.equal(ranking.slice(0, fills.length));
  });

  it("liquidates a bankrupt whale whose top counterparty sits on a bucket edge behind stuffed dust, and a liquidatable long in the same batch, within 3 blocks", async () => {
    const { provider, feed, engine } = await feedAndEngine();
    const book = join(dir, "book.json");
    const divisor = 10n ** 30n;
    const openAs = async (sizeEth: string, marginUsd: string) =>
      openPositionFor(book, await fundedRandomWallet(provider), sizeEth, marginUsd);
    await (await feed.setAnswer(3000_00000000n)).wait();
    // The trap: a 30 ETH short at ~15x, topped up so that its slope sits exactly on its bucket's
    // lower edge; a pro-rata margin release rounded down would drop it into the bucket below.
    const trapOwner = await fundedRandomWallet(provider);
    const trap = await openPositionFor(book, trapOwner, "-30", "6000");
    const opened = await engine.position(trap);
    const trapSize = -opened.size;
    const bucket = bucketOf(trapSize, opened.margin, divisor);
    const onEdge = (trapSize * 10n ** 36n) / (divisor * bucketEdge(bucket));
    await (await (engine.connect(trapOwner) as typeof engine).addMargin(0, onEdge - opened.margin, 0)).wait();
    // On the edge: one more atom of margin would put it in the bucket below.
    expect(bucketOf(trapSize, onEdge, divisor)).to.equal(bucket);
    expect(bucketOf(trapSize, onEdge + 1n, divisor)).to.equal(bucket - 1);
    // Eighteen dust shorts in the bucket below, ranked ahead of it there (higher entry): the walk a
    // reinsertion from that bucket's head would take, which used to revert after 16 places.
    await (await feed.setAnswer(3010_00000000n)).wait();
    const dustSize = 10n ** 16n; // 0.01 ETH, ~30 USD: above the 10 USD minimum
    const midBelow = (bucketEdge(bucket - 1) + bucketEdge(bucket)) / 2n;
    const dustMargin = (dustSize * 10n ** 36n) / (divisor * midBelow) + 20_000n; // + the fee
    for (let i = 0; i < 18; i++) await openAs("-0.01", formatUnits(dustMargin, 6));
    await (await feed.setAnswer(3000_00000000n)).wait();
    const whale = await openAs("20", "3100"); // bankrupt at 2,700: 6,000 lost on ~3,070
    const saveable = await openAs("10", "3500"); // at 2,700: equity ~500 under a 675 maintenance
    const run = await runKeeper({ privateKey: wallet(18, provider).privateKey, stateFile: join(dir, "trap.json") });
    await (await feed.setAnswer(2700_00000000n)).wait();
    const updateBlock = await provider.getBlockNumber();
    await eventually(
      async () => (await engine.position(whale)).size === 0n && (await engine.position(saveable)).size < parseUnits("10", 18),
    );
    stop(run.child);
    expect((await engine.position(whale)).size, run.output()).to.equal(0n);
    expect((await engine.position(saveable)).size < parseUnits("10", 18), run.output()).to.equal(true);
    const [liquidation] = await engine.queryFilter(engine.filters.Liquidated(whale));
    expect(liquidation.blockNumber - updateBlock).to.be.lessThanOrEqual(3);
    // The trap was hit, partially, and kept its bucket: the fill never had to search for a place.
    const [fill] = await engine.queryFilter(engine.filters.AdlFill(0, trap));
    expect(fill, run.output()).to.not.equal(undefined);
    const after = await engine.position(trap);
    expect(after.size < 0n && -after.size < trapSize).to.equal(true);
    expect((await engine.queueNode(trap)).bucket).to.equal(BigInt(bucket));
    expect(run.output()).to.not.match(/"status":"failed"/);
  });

  it("survives an RPC that delays, drops and fails 40% of requests, and finishes the work", async () => {
    const { provider, feed, engine } = await feedAndEngine();
    await (await feed.setAnswer(3000_00000000n)).wait();
    const id = await openFor(17, "10", "1600");
    const proxy = await startFaultyProxy(rpcUrl, 0.4, 7);
    const run = await runKeeper({ rpcUrls: [proxy.url], privateKey: wallet(18, provider).privateKey, stateFile: join(dir, "faulty.json") });
    proxy.setFaulty(true);
    await (await feed.setAnswer(2850_00000000n)).wait();
    await eventually(async () => (await engine.position(id)).size < parseUnits("10", 18), 160);
    const alive = run.child.exitCode === null;
    stop(run.child);
    proxy.server.close();
    expect(alive, run.output()).to.equal(true);
    expect((await engine.position(id)).size < parseUnits("10", 18), run.output()).to.equal(true);
    expect(proxy.stats.dropped + proxy.stats.failed).to.be.greaterThan(0);
  });

  it("rides out its RPC endpoint going away and coming back, then finishes the work", async () => {
    const { provider, feed, engine } = await feedAndEngine();
    await (await feed.setAnswer(3000_00000000n)).wait();
    const id = await openFor(19, "10", "1600");
    const proxy = await startFaultyProxy(rpcUrl, 0);
    const run = await runKeeper({ rpcUrls: [proxy.url], privateKey: wallet(9, provider).privateKey, stateFile: join(dir, "outage.json") });
    const outage = proxy.outage(3_000);
    await (await feed.setAnswer(2850_00000000n)).wait();
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await engine.position(id)).size).to.equal(parseUnits("10", 18)); // nothing gets through
    await outage;
    await eventually(async () => (await engine.position(id)).size < parseUnits("10", 18));
    const alive = run.child.exitCode === null;
    stop(run.child);
    proxy.server.close();
    expect(alive, run.output()).to.equal(true);
    expect(run.output()).to.match(/"msg":"tick failed; retrying next tick"/);
    expect((await engine.position(id)).size < parseUnits("10", 18), run.output()).to.equal(true);
  });

  it("wakes at every new block over a websocket, long before its 60 s poll", async () => {
    const { provider, feed, engine } = await feedAndEngine();
    await (await feed.setAnswer(3000_00000000n)).wait();
    const run = await runKeeper({ wsUrl: rpcUrl.replace(/^http/, "ws"), pollIntervalMs: 60_000, stateFile: join(dir, "ws.json") });
    await new Promise((r) => setTimeout(r, 500)); // past the first tick: from here only a new head wakes it
    const id = await openPositionFor(join(dir, "book.json"), await fundedRandomWallet(provider), "10", "1600");
    await (await feed.setAnswer(2850_00000000n)).wait();
    const liquidated = await eventually(async () => (await engine.position(id)).size < parseUnits("10", 18), 40);
    const exited = new Promise((resolve) => run.child.once("exit", resolve));
    const stoppedAt = Date.now();
    stop(run.child);
    await exited;
    expect(liquidated, run.output()).to.equal(true);
    expect(run.output()).to.match(/"newHeads":true/);
    // The open websocket must not hold the process: it exits by itself, well before the SIGKILL.
    expect(Date.now() - stoppedAt).to.be.lessThan(3_000);
    expect(run.child.signalCode).to.equal(null);
  });
});
