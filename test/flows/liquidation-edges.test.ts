// Issue 7, "Tests that catch what they claim": the exact boundaries that hand-made mutants slipped
// through. Each test builds the boundary to the atom, with funding held at exactly zero (the book
// is balanced from the first block), and checks both sides of it.
import { expect } from "chai";
import { bucketEdge } from "../../client/adl.ts";
import * as ref from "../../client/math.ts";
import { predictTrade } from "../../client/predict.ts";
import { defaultMarketConfig } from "../../scripts/lib/marketConfig.ts";
import { DIVISOR } from "../helpers/adl.ts";
import { GAS, inOneBlock } from "../helpers/blocks.ts";
import { eventsOf } from "../helpers/events.ts";
import {
  ETH,
  MAX_PRICE,
  answer,
  ethers,
  farDeadline,
  networkHelpers,
  price,
  protocolFixture,
  setPrice,
  size,
  usd,
} from "../helpers/fixture.ts";
import { bucketMembers } from "../helpers/queue.ts";

const params = defaultMarketConfig(ethers.ZeroAddress, 6);
const tiers = params.tiers.slice(0, params.tierCount);
const tradeParams = {
  tradingFeeRate: params.tradingFeeRate,
  maxFundingRatePerSecond: params.maxFundingRatePerSecond,
  skewScale: params.skewScale,
  valueDivisor: DIVISOR,
};

/** Alice long `eth` and bob short `eth` at $3,000 in one block: the funding index stays exactly 0. */
async function balancedBook(base: Awaited<ReturnType<typeof protocolFixture>>, eth: number, aliceMargin: bigint) {
  const { engine, alice, bob } = base;
  const deadline = await farDeadline();
  await inOneBlock([
    () => engine.connect(alice).openPosition(ETH, size(eth), aliceMargin, MAX_PRICE, deadline, 0, GAS),
    () => engine.connect(bob).openPosition(ETH, -size(eth), usd(60_000), 0, deadline, 0, GAS),
  ]);
  expect((await engine.marketState(ETH)).fundingIndex).to.equal(0n);
}

describe("liquidation edges", () => {
  it("does not liquidate equity exactly at maintenance, and does one atom below", async () => {
    const base = await networkHelpers.loadFixture(protocolFixture);
    const { engine, feed, keeper, alice, ids } = base;
    await balancedBook(base, 1, usd(500));
    await setPrice(feed, 2_540);
    const position = await engine.position(ids.alice);
    const equity = ref.equity(position, price(2540), 0n, DIVISOR);
    const maintenance = ref.maintenanceMargin(tiers, size(1), price(2540), DIVISOR);
    expect(maintenance - equity > 0n).to.equal(true);

    const snapshot = await networkHelpers.takeSnapshot();
    await engine.connect(alice).addMargin(ETH, maintenance - equity, 0);
    await expect(engine.connect(keeper).liquidate(ids.alice, 0))
      .to.be.revertedWithCustomError(engine, "NotLiquidatable")
      .withArgs(ids.alice, maintenance, maintenance);

    await snapshot.restore();
    await engine.connect(alice).addMargin(ETH, maintenance - equity - 1n, 0);
    const receipt = await (await engine.connect(keeper).liquidate(ids.alice, 0)).wait();
    const [liquidated] = eventsOf(engine, receipt, "Liquidated");
    expect(liquidated.equityBefore).to.equal(maintenance - 1n);
  });

  it("allows a reduce that leaves equity exactly at maintenance, and rejects one atom below", async () => {
    const base = await networkHelpers.loadFixture(protocolFixture);
    const { engine, feed, alice, ids } = base;
    await balancedBook(base, 2, usd(400));
    await setPrice(feed, 2_820);
    const deadline = await farDeadline();
    // The position after selling 1 ETH, from the bigint model (index 0, nothing accrues).
    const predicted = predictTrade(
      await engine.position(ids.alice),
      await engine.marketState(ETH),
      tradeParams,
      { sizeDelta: -size(1), marginIn: 0n, marginOut: 0n },
      price(2820),
      BigInt(await networkHelpers.time.latest()) + 10n,
    );
    const equityAfter = ref.equity(predicted, price(2820), 0n, DIVISOR);
    const maintenanceAfter = ref.maintenanceMargin(tiers, size(1), price(2820), DIVISOR);
    const gap = maintenanceAfter - equityAfter;
    expect(gap > 0n).to.equal(true);

    const snapshot = await networkHelpers.takeSnapshot();
    await engine.connect(alice).addMargin(ETH, gap - 1n, 0);
    await expect(engine.connect(alice).modifyPosition(ETH, -size(1), 0, deadline, 0))
      .to.be.revertedWithCustomError(engine, "BelowMaintenanceMargin")
      .withArgs(ids.alice, maintenanceAfter - 1n, maintenanceAfter);

    await snapshot.restore();
    await engine.connect(alice).addMargin(ETH, gap, 0);
    await engine.connect(alice).modifyPosition(ETH, -size(1), 0, deadline, 0);
    const after = await engine.position(ids.alice);
    expect(after.size).to.equal(size(1));
    expect(after.margin).to.equal(predicted.margin + gap);
    expect(ref.equity(after, price(2820), 0n, DIVISOR)).to.equal(maintenanceAfter);
  });

  it("falls back to a full close when the partial cut leaves the margin ratio exactly unchanged", async () => {
    const base = await networkHelpers.loadFixture(protocolFixture);
    const { engine, feed, keeper, alice, owner, markets, ids } = base;
    // A $25,000 chunk: at $2,500 a cut of exactly 10 ETH, paying a $26 reward and a $125 penalty.
    const config = defaultMarketConfig(await markets[ETH].oracle.getAddress(), 6);
    config.maxLiquidationNotional = usd(25_000);
    config.impactSkewScale = 0n; // as the fixture's market: the margin below is exact
    await engine.connect(owner).updateMarket(ETH, config);
    // 40 ETH from $3,000 on $20,604 of margin: at $2,500 equity 604 against maintenance 2,500.
    await balancedBook(base, 40, usd(20_604) + ref.mulWadUp(usd(120_000), params.tradingFeeRate));
    await setPrice(feed, 2_500);
    const p = price(2500);
    const position = await engine.position(ids.alice);
    expect(position.margin).to.equal(usd(20_604));
    const equity = ref.equity(position, p, 0n, DIVISOR);
    const maintenance = ref.maintenanceMargin(tiers, size(40), p, DIVISOR);
    expect([equity, maintenance]).to.deep.equal([usd(604), usd(2_500)]);
    // The cut the chunk allows, by hand: equity 604 - 26 - 125 = 453 against maintenance 1,875,
    // and 453 / 1,875 = 604 / 2,500 exactly.
    const chunk = (config.maxLiquidationNotional * DIVISOR) / p;
    expect(chunk).to.equal(size(10));
    const cutCost =
      ref.min(params.keeperRewardFixed + ref.mulWadDown(usd(25_000), params.keeperRewardRate), params.keeperRewardCap) +
      ref.mulWadUp(usd(25_000), params.liquidationPenaltyRate);
    const equityAfterCut = equity - cutCost;
    const maintenanceAfterCut = ref.maintenanceMargin(tiers, size(30), p, DIVISOR);
    expect(equityAfterCut * maintenance).to.equal(equity * maintenanceAfterCut);

    const snapshot = await networkHelpers.takeSnapshot();
    const receipt = await (await engine.connect(keeper).liquidate(ids.alice, 0)).wait();
    // Full close: the reward ($1 + 0.1% of $100,000, capped at $50) and the penalty (0.5%) on the whole.
    const [full] = eventsOf(engine, receipt, "Liquidated");
    expect([full.closedSize, full.equityBefore, full.keeperReward, full.penalty, full.deficit]).to.deep.equal([
      size(40),
      usd(604),
      usd(50),
      usd(500),
      0n,
    ]);
    expect((await engine.position(ids.alice)).size).to.equal(0n);

    // One atom more equity makes the same cut an improvement: a partial liquidation of one chunk.
    await snapshot.restore();
    await engine.connect(alice).addMargin(ETH, 1n, 0);
    const partialReceipt = await (await engine.connect(keeper).liquidate(ids.alice, 0)).wait();
    const [partial] = eventsOf(engine, partialReceipt, "Liquidated");
    expect([partial.closedSize, partial.keeperReward, partial.penalty]).to.deep.equal([size(10), usd(26), usd(125)]);
    const after = await engine.position(ids.alice);
    expect(after.size).to.equal(size(30));
    expect(after.margin).to.equal(usd(20_604) + 1n - usd(5_000) - cutCost);
    // Open interest after the partial liquidation is the sum of what remains on each side.
    const state = await engine.marketState(ETH);
    expect(state.longSize).to.equal(after.size);
    expect(state.shortSize).to.equal(-(await engine.position(ids.bob)).size);
  });
});

describe("ADL ties", () => {
  it("orders two positions with the same bucket and key by lower id, in the queue and in ADL fills", async () => {
    const { engine, lens, feed, keeper, alice, bob, carol, ids } = await networkHelpers.loadFixture(protocolFixture);
    const deadline = await farDeadline();
    // Bob's higher id is sent first; the lower id must still come first.
    await inOneBlock([
      () => engine.connect(bob).openPosition(ETH, -size(3), usd(1_000), 0, deadline, 0, GAS),
      () => engine.connect(alice).openPosition(ETH, -size(3), usd(1_000), 0, deadline, 0, GAS),
    ]);
    const [aliceNode, bobNode] = [await engine.queueNode(ids.alice), await engine.queueNode(ids.bob)];
    expect([aliceNode.bucket, aliceNode.k]).to.deep.equal([bobNode.bucket, bobNode.k]);
    expect(await bucketMembers(engine, false, Number(aliceNode.bucket))).to.deep.equal([ids.alice, ids.bob]);
    const [ranking, scores] = await lens.adlRanking(ETH, false, 10);
    expect(ranking).to.deep.equal([ids.alice, ids.bob]);
    expect(scores[0]).to.equal(scores[1]);

    // A bankrupt long whose debt needs both: the fills come in id order.
    await engine.connect(carol).openPosition(ETH, size(150), usd(46_000), MAX_PRICE, deadline, 0);
    await setPrice(feed, 2_600);
    const receipt = await (await engine.connect(keeper).liquidate(ids.carol, 0)).wait();
    expect(eventsOf(engine, receipt, "AdlFill").map((f) => f.positionId)).to.deep.equal([ids.alice, ids.bob]);
  });

  it("breaks an exact score tie across buckets by lower id in deleverage's own top selection", async () => {
    const { engine, lens, feed, keeper, owner, alice, bob, carol, markets, ids } = await networkHelpers.loadFixture(protocolFixture);
    // Pool-protection ADL is due as soon as the shorts are ~$900 in profit.
    const config = defaultMarketConfig(await markets[ETH].oracle.getAddress(), 6);
    config.maxPnlFactor = 10n ** 14n;
    config.targetPnlFactor = 5n * 10n ** 13n;
    await engine.connect(owner).updateMarket(ETH, config);
    // Buckets 408 and 416 have edges 2^51 and 2^52 exactly (mantissa 2^64). Bob (higher id) shorts
    // in 408 at $2,800, alice (lower id) in 416 at $2,700; at $2,600 their scores are
    // 2^51 * 200 and 2^52 * 100: equal. Carol's long in the same block keeps funding at 0.
    const [low, high] = [408, 416];
    expect([bucketEdge(low), bucketEdge(high)]).to.deep.equal([2n ** 51n, 2n ** 52n]);
    const marginIn = (bucket: number, at: number) =>
      (size(3) * 10n ** 6n * 2n) / (bucketEdge(bucket) + bucketEdge(bucket + 1)) +
      ref.mulWadUp(ref.notionalUp(size(3), price(at), DIVISOR), params.tradingFeeRate);
    const deadline = await farDeadline();
    await inOneBlock([
      () => feed.setAnswer(answer(2800), GAS),
      () => engine.connect(bob).openPosition(ETH, -size(3), marginIn(low, 2800), 0, deadline, 0, GAS),
      () => feed.setAnswer(answer(2700), GAS),
      () => engine.connect(alice).openPosition(ETH, -size(3), marginIn(high, 2700), 0, deadline, 0, GAS),
      () => engine.connect(carol).openPosition(ETH, size(6), usd(3_000), MAX_PRICE, deadline, 0, GAS),
    ]);
    expect((await engine.queueNode(ids.bob)).bucket).to.equal(BigInt(low));
    expect((await engine.queueNode(ids.alice)).bucket).to.equal(BigInt(high));
    await setPrice(feed, 2_600);
    expect((await engine.marketState(ETH)).fundingIndex).to.equal(0n);
    const [ranking, scores] = await lens.adlRanking(ETH, false, 10);
    expect(scores[0]).to.equal(2n ** 51n * price(200));
    expect(scores[1]).to.equal(scores[0]);
    expect(ranking).to.deep.equal([ids.alice, ids.bob]);

    // Deleverage's own top selection breaks the tie the same way: alice (lower id) is filled first.
    const receipt = await (await engine.connect(keeper).deleverage(ETH, false, 2, size(4), 0)).wait();
    const fills = eventsOf(engine, receipt, "AdlFill");
    expect(fills.map((f) => [f.positionId, f.closedSize])).to.deep.equal([
      [ids.alice, size(3)],
      [ids.bob, size(1)],
    ]);
  });
});
