// The keeper daemon as the order executor, end to end: a real `hardhat node` with the protocol
// deployed by the deploy script, the keeper CLI as a child process, and a trader whose market
// order the daemon fills at the next price round, reporting it in its log and on /metrics.
import type { ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { MaxUint256, ZeroAddress, parseUnits } from "ethers";
import { devWallet, freshProvider, protocolAt, seedVault, startLocalChain, stopProcess } from "../../scripts/lib/localChain.ts";
import { createdOrderId, marketOrder } from "../../scripts/lib/orders.ts";
import { eventually, runKeeper } from "../helpers/keeperProcess.ts";

describe("keeper order execution (end to end against a real node)", function () {
  this.timeout(180_000);
  let node: ChildProcess | undefined;
  let keeper: ChildProcess | undefined;
  let rpcUrl: string;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "keeper-orders-e2e-"));
    ({ rpcUrl, node } = await startLocalChain(join(dir, "book.json")));
  });

  after(() => {
    stopProcess(keeper);
    stopProcess(node);
  });

  it("fills a trader's market order at the first round after it and counts it on /metrics", async () => {
    const provider = freshProvider(rpcUrl);
    const book = join(dir, "book.json");
    await seedVault(book, devWallet(0, provider), "1000000");
    const trader = devWallet(3, provider);
    const { token, engine } = await protocolAt(book, trader);
    await (await token.mint(trader.address, parseUnits("10000", 6))).wait();
    await (await token.approve(await engine.getAddress(), MaxUint256)).wait();
    await (await engine.deposit(parseUnits("10000", 6))).wait();

    const run = await runKeeper(dir, rpcUrl, { stateFile: join(dir, "orders.json") });
    keeper = run.child;
    const metricsAt = /"metrics":"([\d.]+:\d+)"/.exec(run.output())![1];
    const now = BigInt((await provider.getBlock("latest"))!.timestamp);
    const executionFee = (await engine.orderSettings()).minExecutionFee as bigint;
    const request = marketOrder({ marketId: 0, sizeDelta: parseUnits("2", 18), marginIn: parseUnits("2000", 6), executionFee, now });
    const orderId = await createdOrderId(engine, await engine.createOrder(request));
    // Let the keeper see the order with no round after it: it must not touch it.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await engine.order(orderId)).account, run.output()).to.equal(trader.address);

    const { feed } = await protocolAt(book, devWallet(0, provider));
    await (await feed.setAnswer(3020_00000000n)).wait();
    const filled = await eventually(async () => (await engine.order(orderId)).account === ZeroAddress);
    expect(filled, run.output()).to.equal(true);
    const position = await engine.position(await engine.positionIdOf(trader.address, 0));
    expect(position.size).to.equal(parseUnits("2", 18));
    // The keeper logs and counts the batch once it has read the receipt's block, just after the fill.
    const reported = new RegExp(`"executed":\\["${orderId}"\\].*"msg":"order batch"`);
    expect(await eventually(async () => reported.test(run.output()), 20), run.output()).to.equal(true);
    const metrics = await (await fetch(`http://${metricsAt}/metrics`)).text();
    expect(metrics).to.match(/^keeper_orders_executed_total 1$/m);
    expect(metrics).to.match(new RegExp(`^keeper_execution_fees_earned_total ${executionFee}$`, "m"));
    expect(metrics).to.match(/^keeper_order_execution_delay_seconds_count 1$/m);
  });
});
