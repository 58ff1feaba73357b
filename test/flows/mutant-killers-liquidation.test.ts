// Liquidation amounts that the mutation run (scripts/mutants.ts) showed no other test pins down.
// Every expected value comes from the bigint model in client/math.ts and the market's parameters,
// not from the contracts.
import { expect } from "chai";
import { defaultMarketConfig } from "../../scripts/lib/marketConfig.ts";
import { ETH, MAX_PRICE, ethers, farDeadline, networkHelpers, price, protocolFixture, setPrice, size, usd } from "../helpers/fixture.ts";
import * as ref from "../../client/math.ts";

const DIVISOR = ref.valueDivisor(6);
const params = defaultMarketConfig(ethers.ZeroAddress, 6);
const tiers = params.tiers.slice(0, params.tierCount);
const ROUNDING_SLACK = 5n; // PositionMath.LIQUIDATION_ROUNDING_SLACK
const reward = (closedNotional: bigint) => ref.keeperReward(params, closedNotional);
const penalty = (closedNotional: bigint) => ref.mulWadUp(closedNotional, params.liquidationPenaltyRate);

type Engine = Awaited<ReturnType<typeof protocolFixture>>["engine"];
const indexNow = async (engine: Engine) => (await engine.marketState(ETH)).fundingIndex;

/**
 * PositionMath.liquidationCloseSize recomputed, before the chunk cap and the dust rule: the least
 * size, rounded up, whose closing restores maintenance x (1 + buffer) after the reward and penalty.
 */
function referenceCut(position: ref.RefPosition, p: bigint, index: bigint) {
  const equity = ref.equity(position, p, index, DIVISOR);
  const notional = ref.notionalUp(position.size, p, DIVISOR);
  const mmRate = ref.tierFor(tiers, notional).maintenanceMarginRate;
  expect(equity > 0n && equity < ref.mulWadUp(notional, mmRate)).to.equal(true); // liquidatable, not bankrupt
  const targetRate = ref.mulWadUp(mmRate, ref.WAD + params.liquidationBufferRate);
  const needed = ref.mulWadUp(notional, targetRate) + reward(notional) + ROUNDING_SLACK - equity;
  return ref.divCeil(needed * ref.WAD * DIVISOR, p * (targetRate - params.liquidationPenaltyRate));
}

describe("liquidation amounts", () => {
  it("closes in full when the partial cut would leave less than the minimum size (dust)", async () => {
    const { engine, alice, keeper, feed, ids } = await networkHelpers.loadFixture(protocolFixture);
    // 0.02 ETH (60 of notional) on 3.2 of margin; at $2,914 its equity is just below maintenance.
    await engine.connect(alice).openPosition(ETH, size("0.02"), 3_200_000n, MAX_PRICE, await farDeadline(), 0);
    await setPrice(feed, 2_914);
    const p = price(2914);
    const before = await engine.position(ids.alice);
    await engine.connect(keeper).liquidate(ids.alice, 0);
    expect((await engine.position(ids.alice)).size).to.equal(0n);

    // The cut that restores maintenance x (1 + buffer) is partial, but what it would leave is
    // below the minimum notional.
    const cut = referenceCut(before, p, await indexNow(engine));
    expect(cut < before.size).to.equal(true);
    expect(ref.notionalDown(before.size - cut, p, DIVISOR) < params.minPositionNotional).to.equal(true);
  });

  it("closes exactly the least size that restores the target in a partial cut, and charges its reward and penalty to the margin", async () => {
    const { engine, alice, bob, keeper, feed, ids } = await networkHelpers.loadFixture(protocolFixture);
    await engine.connect(bob).openPosition(ETH, -size(30), usd(20_000), 0, await farDeadline(), 0);
    await engine.connect(alice).openPosition(ETH, size(30), usd(4_600), MAX_PRICE, await farDeadline(), 0);
    await setPrice(feed, 2_920);
    const p = price(2920);
    const before = await engine.position(ids.alice);
    await engine.connect(keeper).liquidate(ids.alice, 0);
    const after = await engine.position(ids.alice);
    const closed = before.size - after.size;
    const index = await indexNow(engine);
    const chunk = (params.maxLiquidationNotional * DIVISOR) / p;
    expect(closed).to.equal(ref.min(referenceCut(before, p, index), chunk));
    expect(after.size > 0n).to.equal(true);

    const funding = ref.traderValue(before.size, before.fundingSnapshot - index, DIVISOR);
    const realised = ref.traderValue(closed, p - before.entryPrice, DIVISOR);
    const keeperReward = reward(ref.notionalDown(closed, p, DIVISOR));
    const insurancePenalty = penalty(ref.notionalUp(closed, p, DIVISOR));
    expect(after.margin).to.equal(before.margin + funding + realised - keeperReward - insurancePenalty);
    expect(await engine.freeBalance(keeper.address)).to.equal(keeperReward);
  });

  it("pays the keeper reward first, then the penalty, when a full close's equity cannot pay both", async () => {
    const { engine, alice, keeper, feed, ids } = await networkHelpers.loadFixture(protocolFixture);
    await engine.connect(alice).openPosition(ETH, size(10), usd(1_600), MAX_PRICE, await farDeadline(), 0);
    // Equity ~105: more than the reward (~29.5), less than reward and penalty (~172).
    await setPrice(feed, 2_852);
    const p = price(2852);
    const before = await engine.position(ids.alice);
    const insuranceBefore = await engine.insuranceFund();
    const freeBefore = await engine.freeBalance(alice.address);
    await engine.connect(keeper).liquidate(ids.alice, 0);
    expect((await engine.position(ids.alice)).size).to.equal(0n);

    const equity = ref.equity(before, p, await indexNow(engine), DIVISOR);
    const fullReward = reward(ref.notionalDown(before.size, p, DIVISOR));
    const fullPenalty = penalty(ref.notionalUp(before.size, p, DIVISOR));
    expect(equity > fullReward && equity < fullReward + fullPenalty).to.equal(true);
    expect(await engine.freeBalance(keeper.address)).to.equal(fullReward);
    expect(await engine.insuranceFund()).to.equal(insuranceBefore + equity - fullReward);
    expect(await engine.freeBalance(alice.address)).to.equal(freeBefore);
  });

  it("draws a bankrupt position's deficit and its keeper reward from the insurance fund, the vault getting the margin and the deficit", async () => {
    const { engine, alice, keeper, feed, ids } = await networkHelpers.loadFixture(protocolFixture);
    await engine.connect(alice).openPosition(ETH, size(10), usd(1_600), MAX_PRICE, await farDeadline(), 0);
    await setPrice(feed, 2_800); // a loss of 2,000 on 1,585 of margin
    const p = price(2800);
    const before = await engine.position(ids.alice);
    const insuranceBefore = await engine.insuranceFund();
    const cashBefore = await engine.vaultCash();
    await engine.connect(keeper).liquidate(ids.alice, 0);

    const deficit = -ref.equity(before, p, await indexNow(engine), DIVISOR);
    expect(deficit > 0n).to.equal(true);
    const keeperReward = ref.min(reward(ref.notionalUp(before.size, p, DIVISOR)), before.margin / 2n);
    expect(keeperReward).to.equal(reward(ref.notionalUp(before.size, p, DIVISOR))); // the margin does not bind here
    expect(await engine.freeBalance(keeper.address)).to.equal(keeperReward);
    expect(await engine.insuranceFund()).to.equal(insuranceBefore - deficit - keeperReward);
    expect(await engine.vaultCash()).to.equal(cashBefore + before.margin + deficit);
  });

  it("caps a bankrupt position's keeper reward at half the position's own margin", async () => {
    const { engine, alice, keeper, feed, ids } = await networkHelpers.loadFixture(protocolFixture);
    // The minimum size, 0.004 ETH at $2,500, on 0.6 of margin: far less than the fixed reward of 1.
    await setPrice(feed, 2_500);
    await engine.connect(alice).openPosition(ETH, size("0.004"), 600_000n, MAX_PRICE, await farDeadline(), 0);
    await setPrice(feed, 2_300);
    const p = price(2300);
    const before = await engine.position(ids.alice);
    const insuranceBefore = await engine.insuranceFund();
    await engine.connect(keeper).liquidate(ids.alice, 0);

    const deficit = -ref.equity(before, p, await indexNow(engine), DIVISOR);
    expect(deficit > 0n).to.equal(true);
    expect(reward(ref.notionalUp(before.size, p, DIVISOR)) > before.margin).to.equal(true);
    expect(await engine.freeBalance(keeper.address)).to.equal(before.margin / 2n);
    expect(await engine.insuranceFund()).to.equal(insuranceBefore - deficit - before.margin / 2n);
  });

  it("lets only the engine itself call liquidateFor", async () => {
    const { engine, alice, keeper, feed, ids } = await networkHelpers.loadFixture(protocolFixture);
    await engine.connect(alice).openPosition(ETH, size(10), usd(1_600), MAX_PRICE, await farDeadline(), 0);
    await setPrice(feed, 2_862); // liquidatable, so only the caller check can refuse it
    const before = await engine.position(ids.alice);
    await expect(engine.connect(keeper).liquidateFor(ids.alice, 0, keeper.address))
      .to.be.revertedWithCustomError(engine, "OnlyEngine")
      .withArgs(keeper.address);
    const after = await engine.position(ids.alice);
    expect([after.size, after.margin]).to.deep.equal([before.size, before.margin]);
    expect(await engine.freeBalance(keeper.address)).to.equal(0n);
  });
});
