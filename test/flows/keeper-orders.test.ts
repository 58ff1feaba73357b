// The keeper as the order executor, against the in-process chain through the same strategy,
// indexer and sender the daemon runs: a tick executes an order only once a price that may fill it
// is published, cancels expired orders, waits for limits and triggers, and liquidates first.
import { expect } from "chai";
import { network } from "hardhat";
import { pino } from "pino";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { embeddedKeeper } from "../../scripts/lib/embeddedKeeper.ts";
import { devPrivateKey } from "../../scripts/lib/localChain.ts";
import { OrderKind, chainlinkProof, createdOrderId, marketOrder, type OrderRequest } from "../../scripts/lib/orders.ts";
import { TX_GAS_CAP, gasBatches } from "../../keeper/orders/batches.ts";
import type { KeeperMetrics } from "../../keeper/metrics.ts";
import { startHermesStandIn } from "../../scripts/lib/hermesStandIn.ts";
import { deployMarket } from "../helpers/inProcessMarket.ts";
import { deployTestProtocol } from "../helpers/testProtocol.ts";

const { ethers, provider, networkHelpers } = await network.create();
const usd = (n: number) => BigInt(n) * 10n ** 6n;
const eth = (n: number) => BigInt(n) * 10n ** 18n;
const wad = (n: number) => BigInt(n) * 10n ** 18n;
const FEE = usd(1);
const CANCEL_FEE = usd(1) / 10n; // the engine's default cap an executor keeps for cancelling
const KEEPER = 9;

async function ordersMarket() {
  const market = await deployMarket(ethers, usd(1_000_000));
  const { engine, token, signers } = market;
  const traders = signers.slice(2, 6);
  for (const trader of traders) {
    await token.mint(trader.address, usd(100_000));
    await token.connect(trader).approve(await engine.getAddress(), ethers.MaxUint256);
    await engine.connect(trader).deposit(usd(50_000));
  }
  return { ...market, traders, keeper: signers[KEEPER] };
}

/** A fresh keeper (its order book catches up from the deployment block) over the fixture's chain. */
async function setUp() {
  const f = await networkHelpers.loadFixture(ordersMarket);
  const { engine, feed } = f;
  const keeper = await embeddedKeeper(provider, f.addressBook, devPrivateKey(KEEPER));
  const now = async () => BigInt(await networkHelpers.time.latest());
  const submit = async (trader: HardhatEthersSigner, fields: Partial<OrderRequest>) =>
    createdOrderId(
      engine,
      await engine.connect(trader).createOrder(marketOrder({ marketId: 0, executionFee: FEE, now: await now(), ...fields })),
    );
  const publish = async (dollars: number) => (await feed.setAnswer(BigInt(dollars) * 10n ** 8n)).wait();
  const pending = async (id: bigint) => (await engine.order(id)).account !== ethers.ZeroAddress;
  const keeperNonce = () => ethers.provider.getTransactionCount(f.keeper.address);
  return { ...f, ...keeper, now, submit, publish, pending, keeperNonce };
}

const value = async (
  metric: { get(): Promise<{ values: { value: number; labels: Record<string, unknown>; metricName?: string }[] }> },
  labels: Record<string, string> = {},
) =>
  (await metric.get()).values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l) && !v.metricName?.endsWith("_bucket"))
    ?.value ?? 0;

async function delayObservations(metrics: KeeperMetrics) {
  const values = (await metrics.orderExecutionDelay.get()).values;
  return {
    count: values.find((v) => v.metricName === "keeper_order_execution_delay_seconds_count")!.value,
    sum: values.find((v) => v.metricName === "keeper_order_execution_delay_seconds_sum")!.value,
  };
}

describe("keeper order execution", () => {
  it("leaves a market order pending until a round is published after it, then fills it at that round in one tick", async () => {
    const { engine, traders, keeper, tick, metrics, submit, publish, pending, keeperNonce } = await setUp();
    const [alice] = traders;
    const id = await submit(alice, { sizeDelta: eth(2), marginIn: usd(2_000) });
    const createdAt = (await engine.order(id)).createdAt;

    const nonce = await keeperNonce();
    await tick();
    // The only round is from before the request: nothing may fill it, so nothing is sent.
    expect(await keeperNonce()).to.equal(nonce);
    expect(await pending(id)).to.equal(true);
    expect(await value(metrics.ordersPending)).to.equal(1);

    await publish(3_010);
    await tick();
    const position = await engine.position(await engine.positionIdOf(alice.address, 0));
    expect(position.size).to.equal(eth(2));
    expect(position.entryPrice).to.equal(wad(3_010));
    expect(await pending(id)).to.equal(false);
    expect(await engine.freeBalance(keeper.address)).to.equal(FEE);
    expect(await value(metrics.ordersExecuted)).to.equal(1);
    expect(await value(metrics.executionFeesEarned)).to.equal(Number(FEE));
    const executedAt = (await ethers.provider.getBlock("latest"))!.timestamp;
    expect(await delayObservations(metrics)).to.deep.equal({ count: 1, sum: executedAt - Number(createdAt) });

    // Executed once: the next tick finds nothing and sends nothing.
    const after = await keeperNonce();
    await tick();
    expect(await keeperNonce()).to.equal(after);
    expect(await value(metrics.ordersPending)).to.equal(0);
  });

  it("cancels an expired order, keeps the capped fee and counts the reason", async () => {
    const { engine, traders, keeper, tick, metrics, submit, pending, now } = await setUp();
    const [alice] = traders;
    const freeBefore = await engine.freeBalance(alice.address);
    const id = await submit(alice, { sizeDelta: eth(1), marginIn: usd(1_000), expiresAt: (await now()) + 60n });
    await networkHelpers.time.increase(120);
    await tick();
    expect(await pending(id)).to.equal(false);
    expect(await value(metrics.ordersCancelled, { reason: "OrderExpired" })).to.equal(1);
    expect(await value(metrics.ordersExecuted)).to.equal(0);
    expect(await engine.freeBalance(keeper.address)).to.equal(CANCEL_FEE);
    expect(await value(metrics.executionFeesEarned)).to.equal(Number(CANCEL_FEE));
    expect(await engine.freeBalance(alice.address)).to.equal(freeBefore - CANCEL_FEE);
    expect(await engine.positionIdOf(alice.address, 0)).to.equal(0n);
  });

  it("executes a stop-loss only after a round crossed its trigger, at the first round after that one", async () => {
    const { engine, traders, open, tick, metrics, submit, publish, pending } = await setUp();
    const [, bob] = traders;
    const positionId = await open(bob, eth(5), usd(3_000));
    const id = await submit(bob, { kind: OrderKind.StopLoss, sizeDelta: -eth(5), triggerPrice: wad(2_900) });

    await publish(2_950);
    await tick();
    expect(await pending(id)).to.equal(true); // not crossed
    await publish(2_890);
    await tick();
    expect(await pending(id)).to.equal(true); // crossed, but the round that fills it is not out yet
    expect((await engine.position(positionId)).size).to.equal(eth(5));

    const fromBlock = (await ethers.provider.getBlockNumber()) + 1;
    await publish(2_880);
    await tick();
    expect(await pending(id)).to.equal(false);
    expect((await engine.position(positionId)).size).to.equal(0n);
    const [executed] = await engine.queryFilter(engine.filters.OrderExecuted(id), fromBlock);
    expect((executed as unknown as { args: { price: bigint } }).args.price).to.equal(wad(2_880));
    expect(await value(metrics.ordersExecuted)).to.equal(1);
  });

  it("keeps a limit order waiting while the price is above its limit, and fills it when a round reaches it", async () => {
    const { engine, traders, tick, submit, publish, pending, keeperNonce } = await setUp();
    const [, , carol] = traders;
    const id = await submit(carol, { kind: OrderKind.Limit, sizeDelta: eth(1), marginIn: usd(1_000), acceptablePrice: wad(2_950) });
    await publish(2_960);
    const nonce = await keeperNonce();
    await tick();
    expect(await pending(id)).to.equal(true);
    expect(await keeperNonce()).to.equal(nonce); // the pre-check spared the transaction
    await publish(2_940);
    await tick();
    expect(await pending(id)).to.equal(false);
    expect((await engine.position(await engine.positionIdOf(carol.address, 0))).entryPrice).to.equal(wad(2_940));
  });

  it("liquidates before it executes orders in the same tick", async () => {
    const { engine, traders, keeper, open, tick, submit, publish, pending } = await setUp();
    const [alice, , , dave] = traders;
    const underwater = await open(dave, eth(10), usd(1_600));
    const id = await submit(alice, { sizeDelta: -eth(1), marginIn: usd(1_000) });
    const fromBlock = (await ethers.provider.getBlockNumber()) + 1;
    await publish(2_850); // liquidates dave's long and gives alice's order its round
    await tick();
    expect(await pending(id)).to.equal(false);
    expect((await engine.position(underwater)).size < eth(10)).to.equal(true);

    const keeperTxs: string[] = [];
    for (let n = fromBlock; n <= (await ethers.provider.getBlockNumber()); n++) {
      const block = await ethers.provider.getBlock(n, true);
      for (const tx of block!.prefetchedTransactions) {
        if (tx.from === keeper.address) keeperTxs.push(engine.interface.parseTransaction(tx)!.name);
      }
    }
    expect(keeperTxs).to.deep.equal(["liquidateBatch", "executeOrders"]);
  });

  it("sends the ADL hint of the new position's place, sparing the engine the bucket walk", async () => {
    const { engine, feed, traders, keeper, open, tick, submit, publish } = await setUp();
    // Thirty longs alike (one bucket); the order fills at a higher price, so its key ranks it last.
    for (let i = 0; i < 30; i++) {
      const wallet = ethers.Wallet.createRandom().connect(ethers.provider);
      await networkHelpers.setBalance(wallet.address, 10n ** 18n);
      await open(wallet as unknown as HardhatEthersSigner, eth(1), usd(1_000));
    }
    const [alice] = traders;
    const id = await submit(alice, { sizeDelta: eth(1), marginIn: usd(1_000) });
    await publish(3_050);
    const [roundId] = await feed.latestRoundData();
    const unhinted = await engine.connect(keeper).executeOrder.estimateGas(id, chainlinkProof(roundId), 0);
    const fromBlock = (await ethers.provider.getBlockNumber()) + 1;
    await tick();
    const [executed] = await engine.queryFilter(engine.filters.OrderExecuted(id), fromBlock);
    const tx = await executed.getTransaction();
    const [, , hints] = engine.interface.decodeFunctionData("executeOrders", tx.data);
    const node = await engine.queueNode(await engine.positionIdOf(alice.address, 0));
    expect(hints[0]).to.not.equal(0n);
    expect(node.prev).to.equal(hints[0]); // linked right after the hint: the hint was exact
    const receipt = await executed.getTransactionReceipt();
    // About 5k gas a place walked: the batch with its hint costs far less than the order alone without.
    expect(unhinted - receipt.gasUsed > 100_000n, `${unhinted} vs ${receipt.gasUsed}`).to.equal(true);
  });

  it("drops an order a reorg took away: the book is read again when the indexed block's hash changes", async () => {
    const { traders, tick, metrics, submit } = await setUp();
    const snapshot = await networkHelpers.takeSnapshot();
    await submit(traders[0], { sizeDelta: eth(1), marginIn: usd(1_000) });
    await tick();
    expect(await value(metrics.ordersPending)).to.equal(1);
    await snapshot.restore(); // the order's block is gone; the chain grows past it with other blocks
    await networkHelpers.mine(3);
    await tick();
    expect(await value(metrics.ordersPending)).to.equal(0);
  });

  it("sends the orders one round fills as few batches as maxOrdersPerBatch allows", async () => {
    const { engine, traders, submit, publish, keeperNonce, addressBook } = await setUp();
    expect(traders.length).to.equal(4);
    for (const [i, trader] of traders.entries()) await submit(trader, { sizeDelta: i % 2 ? -eth(1) : eth(1), marginIn: usd(1_000) });
    await publish(3_000);
    const { tick, metrics } = await embeddedKeeper(provider, addressBook, devPrivateKey(KEEPER), { maxOrdersPerBatch: 3 });
    const nonce = await keeperNonce();
    await tick();
    expect(await keeperNonce()).to.equal(nonce + 2); // 3 + 1
    expect(await value(metrics.ordersExecuted)).to.equal(4);
    expect(await value(metrics.orderBatches, { outcome: "confirmed" })).to.equal(2);
    for (const trader of traders)
      expect((await engine.position(await engine.positionIdOf(trader.address, 0))).entryPrice).to.equal(wad(3_000));
  });

  it("executes an order requested within the confirmation depth at once (the unconfirmed overlay)", async () => {
    const { traders, submit, publish, pending, addressBook } = await setUp();
    const { tick } = await embeddedKeeper(provider, addressBook, devPrivateKey(KEEPER), { confirmations: 5 });
    await tick(); // the keeper is up to date before the order
    const id = await submit(traders[0], { sizeDelta: eth(1), marginIn: usd(1_000) });
    await publish(3_000);
    await tick();
    expect(await pending(id)).to.equal(false);
  });

  it("executes one market's orders while another market's oracle reverts, whose orders wait", async () => {
    const [lp, alice, bob] = await ethers.getSigners();
    const deployed = await deployTestProtocol(ethers, {
      markets: [
        { name: "ETH", initialAnswer: 3000_00000000n },
        { name: "BTC", initialAnswer: 60_000_00000000n },
      ],
    });
    const { engine, token, vault, markets, addressBook } = deployed;
    await token.mint(lp.address, usd(1_000_000));
    await token.connect(lp).approve(await vault.getAddress(), ethers.MaxUint256);
    await vault.connect(lp).deposit(usd(1_000_000), lp.address);
    const now = BigInt(await networkHelpers.time.latest());
    const ids = [];
    for (const [marketId, trader] of [alice, bob].entries()) {
      await token.mint(trader.address, usd(10_000));
      await token.connect(trader).approve(await engine.getAddress(), ethers.MaxUint256);
      await engine.connect(trader).deposit(usd(10_000));
      const request = marketOrder({
        marketId,
        sizeDelta: eth(1) / (marketId === 0 ? 1n : 20n),
        marginIn: usd(1_000),
        executionFee: FEE,
        now,
      });
      ids.push(await createdOrderId(engine, await engine.connect(trader).createOrder(request)));
    }
    // BTC's adapter now answers nothing it is asked (code without its functions): every read reverts.
    const btcOracle = await markets[1].oracle.getAddress();
    await provider.request({
      method: "hardhat_setCode",
      params: [btcOracle, await ethers.provider.getCode(await markets[1].feed.getAddress())],
    });
    await markets[0].feed.setAnswer(3_000_00000000n);
    const lines: { msg: string; marketId?: number }[] = [];
    const log = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const { tick } = await embeddedKeeper(provider, addressBook, devPrivateKey(KEEPER), {}, log);
    await tick();
    expect((await engine.order(ids[0])).account).to.equal(ethers.ZeroAddress);
    expect((await engine.order(ids[1])).account).to.equal(bob.address);
    await tick();
    const warnings = lines.filter((l) => l.msg === "orders wait: the market's price source cannot be read");
    expect(warnings.map((l) => l.marketId)).to.deep.equal([1]); // once, not every tick
  });

  it("sizes batches to the per-transaction gas cap (EIP-7825) when the block allows more, and never under the entries' estimates", () => {
    const entries = Array.from({ length: 100 }, (_, i) => ({ id: i, gas: 450_000n })); // ~ a standalone executeOrder estimate
    const batches = gasBatches(entries, 500, 60_000_000n);
    // 85% of 16,777,216 holds (14,260,633 - 60,000) / 450,000 = 31 entries.
    expect(batches.map((b) => b.entries.length)).to.deep.equal([31, 31, 31, 7]);
    expect(batches[0].gas).to.equal(60_000n + 31n * 450_000n);
    expect(batches.every((b) => b.gas <= TX_GAS_CAP)).to.equal(true);
    expect(gasBatches(entries, 40, 10_000_000n).map((b) => b.entries.length)).to.deep.equal([18, 18, 18, 18, 18, 10]);
    expect(gasBatches(entries.slice(0, 5), 2, 60_000_000n).map((b) => b.entries.map((e) => e.id))).to.deep.equal([[0, 1], [2, 3], [4]]);
  });

  it("executes a Pyth market's order with the first Hermes update after it, and waits, warning, while Hermes is unreachable", async () => {
    const [lp, alice] = await ethers.getSigners();
    const priceId = ("0x" + "ee".repeat(32)) as `0x${string}`;
    const deployed = await deployTestProtocol(ethers, {
      markets: [
        { name: "ETH", pyth: { priceId, initialPrice: { price: 3000_00000000n, conf: 1_00000000n, expo: -8 }, localUpdateFeeWei: 1_000n } },
      ],
    });
    const { engine, token, vault, addressBook } = deployed;
    await token.mint(lp.address, usd(1_000_000));
    await token.connect(lp).approve(await vault.getAddress(), ethers.MaxUint256);
    await vault.connect(lp).deposit(usd(1_000_000), lp.address);
    await token.mint(alice.address, usd(10_000));
    await token.connect(alice).approve(await engine.getAddress(), ethers.MaxUint256);
    await engine.connect(alice).deposit(usd(10_000));
    const hermes = await startHermesStandIn();
    try {
      const t0 = await networkHelpers.time.latest();
      hermes.publish(priceId, 2990_00000000n, 1_00000000n, -8, t0); // before the order: can't fill it
      const request = marketOrder({ marketId: 0, sizeDelta: eth(1), marginIn: usd(1_000), executionFee: FEE, now: BigInt(t0) });
      const id = await createdOrderId(engine, await engine.connect(alice).createOrder(request));
      const createdAt = Number((await engine.order(id)).createdAt);

      const lines: { msg: string; marketId?: number; error?: string }[] = [];
      const log = pino({ level: "warn" }, { write: (line: string) => lines.push(JSON.parse(line)) });
      const unreachable = await embeddedKeeper(
        provider,
        addressBook,
        devPrivateKey(KEEPER),
        { hermesEndpoints: { "0": "http://127.0.0.1:9/" } },
        log,
      );
      await unreachable.tick();
      expect((await engine.order(id)).account).to.equal(alice.address);
      const warning = lines.find((l) => l.msg === "orders wait: the market's price source cannot be read");
      expect(warning?.error).to.match(/^Hermes at http:\/\/127\.0\.0\.1:9\/ failed: /);

      const { tick, metrics } = await embeddedKeeper(provider, addressBook, devPrivateKey(KEEPER), {
        hermesEndpoints: { "0": hermes.url },
      });
      await tick();
      expect((await engine.order(id)).account).to.equal(alice.address); // Hermes' latest is older than the order
      hermes.publish(priceId, 3010_00000000n, 1_00000000n, -8, createdAt + 1);
      hermes.publish(priceId, 3050_00000000n, 1_00000000n, -8, createdAt + 2);
      await networkHelpers.time.increaseTo(createdAt + 3);
      const fromBlock = (await ethers.provider.getBlockNumber()) + 1;
      await tick();
      const [executed] = await engine.queryFilter(engine.filters.OrderExecuted(id), fromBlock);
      const args = (executed as unknown as { args: { price: bigint; publishTime: bigint } }).args;
      expect([args.price, args.publishTime]).to.deep.equal([wad(3_010), BigInt(createdAt + 1)]); // the first update after it, not the latest
      expect(await value(metrics.ordersExecuted)).to.equal(1);
    } finally {
      await hermes.close();
    }
  });
});
