// Issue 7, attacks 1 and 2: a trap position whose slope sits exactly on the lower edge of its ADL
// bucket, with dust behind it in the bucket below. On the code before the fix, its partial ADL fill
// (margin released pro-rata, rounded down) dropped it into the dust's bucket, the reinsertion walked
// past the dust and reverted InvalidHint, and with it the bankrupt liquidation, the batch holding it
// and every deleverage. These tests pass because the attack fails: the fill keeps the trap in its
// bucket (margin release rounded the other way) and the haircut lands on the attacker.
import { expect } from "chai";
import { bucketEdge, bucketOf } from "../../client/adl.ts";
import * as ref from "../../client/math.ts";
import { predictTrade } from "../../client/predict.ts";
import { defaultMarketConfig } from "../../scripts/lib/marketConfig.ts";
import { DIVISOR, fundedTraders } from "../helpers/adl.ts";
import { eventsOf } from "../helpers/events.ts";
import { ETH, MAX_PRICE, ethers, farDeadline, networkHelpers, price, protocolFixture, setPrice, size, usd } from "../helpers/fixture.ts";

const params = defaultMarketConfig(ethers.ZeroAddress, 6);
const openFee = (absSize: bigint, at: bigint) => ref.mulWadUp(ref.notionalUp(absSize, at, DIVISOR), params.tradingFeeRate);
const reward = (notional: bigint) => ref.keeperReward(params, notional);
const DUST = 18;
const TRAP_MARGIN = usd(36_000); // stored margin: a whole number of dollars, so the slope can be exact
const CRASH = 2600;

async function trapFixture(throwAways: number) {
  const base = await protocolFixture();
  const { engine, token, feed, alice, bob, carol } = base;
  const deadline = await farDeadline();
  // The trap: ~5x short whose slope |size| * 1e6 / margin is exactly the edge of bucket b.
  const bucket = bucketOf(size(1), usd(600), DIVISOR);
  const trapSize = bucketEdge(bucket) * (TRAP_MARGIN / 10n ** 6n);
  const [attacker] = await fundedTraders(token, engine, 1);
  // Dust: minimum-size shorts in bucket b - 1, one account each, entered $1 higher so they rank
  // ahead of the trap inside that bucket (a short's bucket is sorted by descending key).
  const dustSize = size("0.0034"); // $10.2 at $3,001, just above the $10 minimum
  const dustSlope = (bucketEdge(bucket - 1) + bucketEdge(bucket)) / 2n;
  const dustMargin = (dustSize * 10n ** 6n) / dustSlope;
  const dust = await fundedTraders(token, engine, DUST, usd(100));
  await setPrice(feed, 3001);
  for (const d of dust) {
    await engine.connect(d).openPosition(ETH, -dustSize, dustMargin + openFee(dustSize, price(3001)), 0, deadline, 0);
  }
  // Throw-aways: small 15x shorts ranked above the trap, one inline ADL fill each.
  const throwAwayTraders = await fundedTraders(token, engine, throwAways, usd(100));
  await setPrice(feed, 3000);
  for (const t of throwAwayTraders) await engine.connect(t).openPosition(ETH, -size("0.01"), usd(2), 0, deadline, 0);
  await engine.connect(attacker).openPosition(ETH, -trapSize, TRAP_MARGIN + openFee(trapSize, price(3000)), 0, deadline, 0);
  // An honest 2x short, and the long whale that will go bankrupt.
  await engine.connect(bob).openPosition(ETH, -size(5), usd(7_500), 0, deadline, 0);
  await engine.connect(alice).openPosition(ETH, size(150), usd(46_000), MAX_PRICE, deadline, 0);
  // An unrelated long that the crash makes liquidatable but not bankrupt (equity ~63.5 < 65).
  await engine.connect(carol).openPosition(ETH, size(1), usd(465), MAX_PRICE, deadline, 0);
  await setPrice(feed, CRASH);
  const id = async (w: { getAddress(): Promise<string> }) => engine.positionIdOf(await w.getAddress(), ETH);
  return {
    ...base,
    attacker,
    bucket,
    trapId: await id(attacker),
    trapSize,
    dustIds: await Promise.all(dust.map(id)),
    throwAwayIds: await Promise.all(throwAwayTraders.map(id)),
  };
}
const withInlineFillsFree = () => trapFixture(0);
const withInlineFillsTaken = () => trapFixture(8);

/** What the bankrupt whale's liquidation leaves to ADL, computed from the event's deficit. */
async function uncoveredOf(engine: any, receipt: any, insuranceBefore: bigint) {
  const [liquidated] = eventsOf(engine, receipt, "Liquidated");
  const owed = liquidated.deficit + reward(ref.notionalUp(size(150), price(CRASH), DIVISOR));
  return { liquidated, owed, uncovered: owed - ref.min(owed, insuranceBefore) };
}

describe("liveness: bucket-edge trap", () => {
  it("is armed: the trap's slope is exactly its bucket's lower edge and the dust ranks ahead of it in the bucket below", async () => {
    const { engine, bucket, trapId, dustIds } = await networkHelpers.loadFixture(withInlineFillsFree);
    const trap = await engine.position(trapId);
    expect(trap.margin).to.equal(TRAP_MARGIN);
    expect((-trap.size * 10n ** 36n) / (DIVISOR * trap.margin)).to.equal(bucketEdge(bucket));
    expect((await engine.queueNode(trapId)).bucket).to.equal(BigInt(bucket));
    // The bucket below holds exactly the dust, every piece with a higher key (ahead, for shorts).
    let count = 0;
    for (let id = await engine.queueHead(ETH, false, bucket - 1); id !== 0n; id = (await engine.queueNode(id)).next) {
      expect(dustIds).to.include(id);
      expect((await engine.queueNode(id)).k > (await engine.queueNode(trapId)).k).to.equal(true);
      count++;
    }
    expect(count).to.equal(DUST);
  });

  it("lets a hint-0 liquidation of the bankrupt whale fill the trap, which keeps its bucket and takes the whole haircut", async () => {
    const { engine, keeper, attacker, alice, bucket, trapId, trapSize } = await networkHelpers.loadFixture(withInlineFillsFree);
    const whaleId = await engine.positionIdOf(alice.address, ETH);
    const [top] = await engine.adlTop(ETH, false);
    expect(top).to.equal(trapId); // the trap is the first counterparty
    const trapBefore = await engine.position(trapId);
    const whale = await engine.position(whaleId);
    const freeBefore = await engine.freeBalance(attacker.address);
    const insuranceBefore = await engine.insuranceFund();

    const receipt = await (await engine.connect(keeper).liquidate(whaleId, 0)).wait();

    const { liquidated, uncovered } = await uncoveredOf(engine, receipt, insuranceBefore);
    expect(uncovered > usd(3_000)).to.equal(true);
    const index = (await engine.marketState(ETH)).fundingIndex; // accrued by the liquidation itself
    const x = price(CRASH) - index;
    // Independent check of the deficit (the contract floors funding and price PnL apart: 1 atom).
    const whaleModel = {
      size: size(150),
      margin: usd(46_000) - openFee(size(150), price(3000)),
      entryPrice: price(3000),
      fundingSnapshot: whale.fundingSnapshot,
    };
    expect(whale.margin).to.equal(whaleModel.margin);
    const modelDeficit = -ref.equity(whaleModel, price(CRASH), index, DIVISOR);
    expect(liquidated.deficit - modelDeficit <= 1n && modelDeficit - liquidated.deficit <= 1n).to.equal(true);

    // Where the whale's equity is zero: its funding-adjusted entry less its margin per unit, rounded down.
    const bankruptcyPrice = whale.entryPrice + (index - whale.fundingSnapshot) - (whale.margin * DIVISOR) / size(150);
    const unitProfit = trapBefore.entryPrice - trapBefore.fundingSnapshot - x;
    const haircutPerUnit = ref.min(bankruptcyPrice - price(CRASH), unitProfit);
    const closeSize = ref.divCeil(uncovered * DIVISOR, haircutPerUnit);
    expect(closeSize < trapSize).to.equal(true); // a partial fill: the one the trap was built for
    const value = (closeSize * unitProfit) / DIVISOR;

    const fills = eventsOf(engine, receipt, "AdlFill");
    expect(fills.length).to.equal(1);
    expect(fills[0].positionId).to.equal(trapId);
    expect(fills[0].closedSize).to.equal(closeSize);
    expect(fills[0].fillPrice).to.equal(price(CRASH) + haircutPerUnit);
    expect(fills[0].haircut).to.equal(uncovered); // the whole haircut falls on the attacker
    expect(fills[0].realisedPnl).to.equal(value - uncovered);
    expect(fills[0].remainingDebt).to.equal(0n);

    // Pro-rata margin rounded down would have moved the rest into bucket b - 1, behind the dust;
    // the fill released one atom more instead, so the trap kept its bucket and its place.
    const rest = trapSize - closeSize;
    const proRata = (TRAP_MARGIN * closeSize) / trapSize;
    expect(bucketOf(rest, TRAP_MARGIN - proRata, DIVISOR)).to.equal(bucket - 1);
    const after = await engine.position(trapId);
    expect(after.size).to.equal(-rest);
    expect(after.margin).to.equal(TRAP_MARGIN - proRata - 1n);
    expect((await engine.queueNode(trapId)).bucket).to.equal(BigInt(bucket));
    expect(await engine.queueHead(ETH, false, bucket)).to.equal(trapId);
    expect((await engine.freeBalance(attacker.address)) - freeBefore).to.equal(proRata + 1n + value - uncovered);
    const state = await engine.marketState(ETH);
    expect(state.shortAdlDebt).to.equal(0n);
    expect(state.shortAdlPending).to.equal(false);
  });

  it("lets a batch liquidate the bankrupt whale and an unrelated liquidatable position together", async () => {
    const { engine, keeper, alice, carol } = await networkHelpers.loadFixture(withInlineFillsFree);
    const whaleId = await engine.positionIdOf(alice.address, ETH);
    const carolId = await engine.positionIdOf(carol.address, ETH);
    expect(await engine.connect(keeper).liquidateBatch.staticCall([whaleId, carolId], [])).to.equal(2n);
    const receipt = await (await engine.connect(keeper).liquidateBatch([whaleId, carolId], [])).wait();
    expect(eventsOf(engine, receipt, "Liquidated").map((e) => e.positionId)).to.deep.equal([whaleId, carolId]);
    expect(eventsOf(engine, receipt, "LiquidationSkipped")).to.deep.equal([]);
    expect((await engine.position(whaleId)).size).to.equal(0n);
    expect((await engine.position(carolId)).size < size(1)).to.equal(true);
  });
});

describe("liveness: frozen side", () => {
  it("clears the debt left with the trap on top by deleverage with the lens's ids, after which an honest short can close", async () => {
    const { engine, lens, keeper, alice, bob, bucket, trapId, trapSize, throwAwayIds } =
      await networkHelpers.loadFixture(withInlineFillsTaken);
    const whaleId = await engine.positionIdOf(alice.address, ETH);
    const liquidation = await (await engine.connect(keeper).liquidate(whaleId, 0)).wait();
    // The eight throw-aways took the eight inline fills, each closed in full.
    const inline = eventsOf(engine, liquidation, "AdlFill");
    expect(inline.map((f) => f.positionId).sort()).to.deep.equal([...throwAwayIds].sort());
    for (const id of throwAwayIds) expect((await engine.position(id)).size).to.equal(0n);
    const debt = (await engine.marketState(ETH)).shortAdlDebt;
    expect(debt).to.equal(inline.at(-1)!.remainingDebt);
    expect(debt > usd(3_000)).to.equal(true);

    // The side is frozen for the honest short until the debt is cleared.
    const bobId = await engine.positionIdOf(bob.address, ETH);
    await expect(engine.connect(bob).closePosition(ETH, MAX_PRICE, await farDeadline()))
      .to.be.revertedWithCustomError(engine, "DeleveragePending")
      .withArgs(ETH, false, debt);

    const [ids] = await lens.adlRanking(ETH, false, 50);
    expect(ids[0]).to.equal(trapId);
    const receipt = await (await engine.connect(keeper).deleverage(ETH, false, ids.length, 0, 0)).wait();
    const fills = eventsOf(engine, receipt, "AdlFill");
    expect(fills.length).to.equal(1);
    expect(fills[0].positionId).to.equal(trapId);
    expect(fills[0].haircut).to.equal(debt);
    expect(fills[0].closedSize < trapSize).to.equal(true);
    expect((await engine.queueNode(trapId)).bucket).to.equal(BigInt(bucket));
    expect((await engine.marketState(ETH)).shortAdlDebt).to.equal(0n);

    // Now the honest short closes and realises its profit, as the bigint model predicts.
    const bobPosition = await engine.position(bobId);
    const state = await engine.marketState(ETH);
    const timestamp = BigInt(await networkHelpers.time.latest()) + 1n;
    const predicted = predictTrade(
      bobPosition,
      state,
      {
        tradingFeeRate: params.tradingFeeRate,
        maxFundingRatePerSecond: params.maxFundingRatePerSecond,
        skewScale: params.skewScale,
        valueDivisor: DIVISOR,
      },
      { sizeDelta: size(5), marginIn: 0n, marginOut: 0n },
      price(CRASH),
      timestamp,
    );
    const freeBefore = await engine.freeBalance(bob.address);
    await networkHelpers.time.setNextBlockTimestamp(timestamp);
    await engine.connect(bob).closePosition(ETH, MAX_PRICE, await farDeadline());
    expect((await engine.position(bobId)).size).to.equal(0n);
    expect((await engine.freeBalance(bob.address)) - freeBefore).to.equal(predicted.margin);
    expect(predicted.margin > usd(7_500)).to.equal(true); // margin back plus ~$2,000 of profit
  });
});
