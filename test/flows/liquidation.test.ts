import { expect } from "chai";
import { defaultMarketConfig } from "../../scripts/lib/marketConfig.ts";
import { ETH, MAX_PRICE, ethers, farDeadline, networkHelpers, price, protocolFixture, setPrice, size, usd } from "../helpers/fixture.ts";
import * as ref from "../../client/math.ts";

const DIVISOR = ref.valueDivisor(6);
const params = defaultMarketConfig(ethers.ZeroAddress, 6);
const tiers = params.tiers.slice(0, params.tierCount);
const reward = (closedNotional: bigint) => ref.keeperReward(params, closedNotional);
const penalty = (closedNotional: bigint) => ref.mulWadUp(closedNotional, params.liquidationPenaltyRate);

async function positionEquity(engine: any, id: bigint, p: bigint) {
  const pos = await engine.position(id);
  const index = (await engine.marketState(ETH)).fundingIndex;
  return { pos, index, equity: ref.equity(pos, p, index, DIVISOR) };
}

describe("liquidation", () => {
  it("refuses a healthy position and an unknown id", async () => {
    const { engine, alice, keeper, ids } = await networkHelpers.loadFixture(protocolFixture);
    await engine.connect(alice).openPosition(ETH, size(10), usd(3_000), MAX_PRICE, await farDeadline(), 0);
    await expect(engine.connect(keeper).liquidate(ids.alice, 0)).to.be.revertedWithCustomError(engine, "NotLiquidatable");
    await expect(engine.connect(keeper).liquidate(99n, 0)).to.be.revertedWithCustomError(engine, "PositionNotFound").withArgs(99n);
  });

  it("partially liquidates a large position back above maintenance plus the buffer, leaving it healthier", async () => {
    const { engine, alice, bob, keeper, feed, ids } = await networkHelpers.loadFixture(protocolFixture);
    // Balance the book so funding stays near zero; alice: 30 ETH (90k notional) on 4,600 margin.
    await engine.connect(bob).openPosition(ETH, -size(30), usd(20_000), 0, await farDeadline(), 0);
    await engine.connect(alice).openPosition(ETH, size(30), usd(4_600), MAX_PRICE, await farDeadline(), 0);
    // Equity ~2,155 against maintenance 2.5% of 87,600 = 2,190.
    await setPrice(feed, 2_920);
    const liqPrice = price(2920);
    const { equity: equityBefore } = await positionEquity(engine, ids.alice, liqPrice);
    const mmBefore = ref.maintenanceMargin(tiers, size(30), liqPrice, DIVISOR);
    expect(equityBefore < mmBefore).to.equal(true);

    const insuranceBefore = await engine.insuranceFund();
    await engine.connect(keeper).liquidate(ids.alice, 0);
    const { pos: after, index } = await positionEquity(engine, ids.alice, liqPrice);
    const closed = size(30) - after.size;
    expect(closed > 0n && closed < size(30)).to.equal(true);
    const equityAfter = ref.equity(after, liqPrice, index, DIVISOR);
    const mmAfter = ref.maintenanceMargin(tiers, after.size, liqPrice, DIVISOR);
    // Restored to at least maintenance * (1 + buffer), and the margin ratio improved.
    expect(equityAfter * ref.WAD >= mmAfter * (ref.WAD + params.liquidationBufferRate)).to.equal(true);
    expect(equityAfter * mmBefore > equityBefore * mmAfter).to.equal(true);
    // It did not cut more than needed: the only slack is the keeper reward's upper bound.
    const target = ref.mulWadUp(mmAfter, ref.WAD + params.liquidationBufferRate);
    expect(equityAfter - target <= params.keeperRewardCap).to.equal(true);

    const closedNotionalDown = ref.notionalDown(closed, liqPrice, DIVISOR);
    const closedNotionalUp = ref.notionalUp(closed, liqPrice, DIVISOR);
    expect(await engine.freeBalance(keeper.address)).to.equal(reward(closedNotionalDown));
    expect(await engine.insuranceFund()).to.equal(insuranceBefore + penalty(closedNotionalUp));
  });

  it("cuts at most one chunk per call on a huge position", async () => {
    const { engine, alice, bob, keeper, feed, ids } = await networkHelpers.loadFixture(protocolFixture);
    await engine.connect(alice).deposit(usd(1_000_000));
    await engine.connect(bob).openPosition(ETH, -size(100), usd(100_000), 0, await farDeadline(), 0);
    // 400 ETH = 1.2M notional (tier 3: maintenance 10%) on 150k margin.
    await engine.connect(alice).openPosition(ETH, size(400), usd(250_000), MAX_PRICE, await farDeadline(), 0);
    // Equity ~97,400 against maintenance 10% of 1.048M; restoring 12.5% needs ~107 ETH, the chunk is ~95.
    await setPrice(feed, 2_620);
    await engine.connect(keeper).liquidate(ids.alice, 0);
    const after = await engine.position(ids.alice);
    const chunk = (params.maxLiquidationNotional * DIVISOR) / price(2620);
    expect(size(400) - after.size).to.equal(chunk);
  });

  it("closes a deeply underwater position in full: reward first, then penalty, rest to the trader", async () => {
    const { engine, alice, keeper, feed, ids } = await networkHelpers.loadFixture(protocolFixture);
    await engine.connect(alice).openPosition(ETH, size(10), usd(1_600), MAX_PRICE, await farDeadline(), 0);
    // Equity ~85: no partial cut can pay the reward and penalty and still restore maintenance.
    await setPrice(feed, 2_850);
    const p = price(2850);
    const insuranceBefore = await engine.insuranceFund();
    const freeBefore = await engine.freeBalance(alice.address);
    const tx = await engine.connect(keeper).liquidate(ids.alice, 0);
    const { index } = await positionEquity(engine, ids.alice, p);
    const before = { size: size(10), margin: usd(1_600) - usd(15), entryPrice: price(3000), fundingSnapshot: 0n };
    const equity = ref.equity(before, p, index, DIVISOR);
    expect(equity > 0n).to.equal(true);
    const r = ref.min(reward(ref.notionalDown(size(10), p, DIVISOR)), equity);
    const pen = ref.min(penalty(ref.notionalUp(size(10), p, DIVISOR)), equity - r);
    await expect(tx).to.emit(engine, "Liquidated").withArgs(ids.alice, keeper.address, ETH, size(10), p, equity, r, pen, 0n);
    expect(await engine.freeBalance(keeper.address)).to.equal(r);
    expect(await engine.insuranceFund()).to.equal(insuranceBefore + pen);
    expect(await engine.freeBalance(alice.address)).to.equal(freeBefore + equity - r - pen);
    expect((await engine.position(ids.alice)).size).to.equal(0n);
    expect(await engine.positionIdOf(alice.address, ETH)).to.equal(0n);
  });

  it("draws a bankrupt position's deficit from the insurance fund", async () => {
    const { engine, alice, keeper, feed, ids } = await networkHelpers.loadFixture(protocolFixture);
    await engine.connect(alice).openPosition(ETH, size(10), usd(1_600), MAX_PRICE, await farDeadline(), 0);
    await setPrice(feed, 2_800); // loss 2,000 on 1,585 margin
    const insuranceBefore = await engine.insuranceFund();
    const cashBefore = await engine.vaultCash();
    await engine.connect(keeper).liquidate(ids.alice, 0);
    const index = (await engine.marketState(ETH)).fundingIndex;
    const before = { size: size(10), margin: usd(1_585), entryPrice: price(3000), fundingSnapshot: 0n };
    const deficit = -ref.equity(before, price(2800), index, DIVISOR);
    expect(deficit > usd(415) - 1n).to.equal(true);
    // The keeper is paid for the bankrupt liquidation too, from the fund with the deficit.
    const notional = ref.notionalUp(size(10), price(2800), DIVISOR);
    const { reward, insuranceDraw } = ref.bankruptShortfall(params, notional, usd(1_585), deficit, insuranceBefore);
    expect(reward).to.equal(usd(29)); // 1 fixed + 0.1% of 28,000
    expect(insuranceDraw).to.equal(deficit + reward);
    expect(await engine.insuranceFund()).to.equal(insuranceBefore - deficit - reward);
    expect(await engine.freeBalance(keeper.address)).to.equal(reward);
    // The vault receives the whole margin plus the covered deficit: exactly the trader's loss.
    expect(await engine.vaultCash()).to.equal(cashBefore + usd(1_585) + deficit);
    const state = await engine.marketState(ETH);
    expect(state.longAdlDebt + state.shortAdlDebt).to.equal(0n);
  });

  it("records the part of a deficit the insurance fund cannot cover, with an event", async () => {
    const { engine, alice, bob, keeper, feed, ids } = await networkHelpers.loadFixture(protocolFixture);
    await engine.connect(bob).openPosition(ETH, -size(10), usd(10_000), 0, await farDeadline(), 0);
    await engine.connect(alice).deposit(usd(100_000));
    await engine.connect(alice).openPosition(ETH, size(100), usd(31_000), MAX_PRICE, await farDeadline(), 0);
    await setPrice(feed, 2_500); // loss 50,000 on ~30,850 margin: deficit ~19k > 10k fund
    const insurance = await engine.insuranceFund();
    const { fundingSnapshot } = await engine.position(ids.alice);
    const tx = await engine.connect(keeper).liquidate(ids.alice, 0);
    const index = (await engine.marketState(ETH)).fundingIndex;
    const fee = ref.mulWadUp(ref.notionalUp(size(100), price(3000), DIVISOR), params.tradingFeeRate);
    const before = { size: size(100), margin: usd(31_000) - fee, entryPrice: price(3000), fundingSnapshot };
    const deficit = -ref.equity(before, price(2500), index, DIVISOR);
    const notional = ref.notionalUp(size(100), price(2500), DIVISOR);
    const { uncovered, reward } = ref.bankruptShortfall(params, notional, before.margin, deficit, insurance);
    expect(reward).to.equal(params.keeperRewardCap);
    // The shorts owe the uncovered part (the keeper's reward included); ADL (adl.test.ts) takes it from their profit.
    await expect(tx).to.emit(engine, "DeficitUncovered").withArgs(ETH, ids.alice, false, uncovered, uncovered);
    expect(uncovered).to.equal(deficit + reward - insurance);
    expect(await engine.insuranceFund()).to.equal(0n);
  });

  it("batch liquidation skips stale entries and reverts only when nothing was liquidated", async () => {
    const { engine, alice, bob, carol, keeper, feed, ids } = await networkHelpers.loadFixture(protocolFixture);
    await engine.connect(alice).openPosition(ETH, size(10), usd(1_600), MAX_PRICE, await farDeadline(), 0);
    await engine.connect(bob).openPosition(ETH, size(10), usd(5_000), MAX_PRICE, await farDeadline(), 0);
    await engine.connect(carol).openPosition(ETH, size(10), usd(1_700), MAX_PRICE, await farDeadline(), 0);
    await setPrice(feed, 2_880);
    await engine.connect(keeper).liquidate(ids.alice, 0); // a racing keeper got there first
    const liquidated = await engine.connect(keeper).liquidateBatch.staticCall([ids.alice, ids.bob, ids.carol, 42n], []);
    expect(liquidated).to.equal(1n); // only carol: alice is healthy after her cut, bob always was, 42 never existed
    await engine.connect(keeper).liquidateBatch([ids.alice, ids.bob, ids.carol, 42n], []);
    expect((await engine.position(ids.carol)).size < size(10)).to.equal(true);
    expect((await engine.position(ids.bob)).size).to.equal(size(10));
    await expect(engine.connect(keeper).liquidateBatch([ids.alice, ids.bob, ids.carol], []))
      .to.be.revertedWithCustomError(engine, "NothingLiquidated")
      .withArgs(3n);
  });

  it("makes self-liquidation cost at least the penalty", async () => {
    const { engine, alice, feed, ids } = await networkHelpers.loadFixture(protocolFixture);
    await engine.connect(alice).openPosition(ETH, size(10), usd(1_600), MAX_PRICE, await farDeadline(), 0);
    await setPrice(feed, 2_862);
    const freeBefore = await engine.freeBalance(alice.address);
    const { equity } = await positionEquity(engine, ids.alice, price(2862));
    await engine.connect(alice).liquidate(ids.alice, 0);
    const received = (await engine.freeBalance(alice.address)) - freeBefore;
    const pen = penalty(ref.notionalUp(size(10), price(2862), DIVISOR));
    // Self-liquidating returns equity minus the penalty (the reward comes back to the caller);
    // funding for the one extra second can only lower it further.
    expect(received <= equity - pen).to.equal(true);
  });

  it("still liquidates while new risk is paused", async () => {
    const { engine, alice, keeper, guardian, feed, ids } = await networkHelpers.loadFixture(protocolFixture);
    await engine.connect(alice).openPosition(ETH, size(10), usd(1_600), MAX_PRICE, await farDeadline(), 0);
    await engine.connect(guardian).setRiskPaused(true);
    await setPrice(feed, 2_862);
    await engine.connect(keeper).liquidate(ids.alice, 0);
    expect((await engine.position(ids.alice)).size < size(10)).to.equal(true);
  });
});
