// Issue 7, property "Bankrupt liquidations get done": the keeper of a bankrupt position is paid
// min(keeper reward, half the position's margin) by the insurance fund together with the deficit; with
// no fund the reward joins the ADL debt; and the cap keeps self-liquidation from paying.
import { expect } from "chai";
import * as ref from "../../client/math.ts";
import { deployTestProtocol } from "../helpers/testProtocol.ts";
import { defaultMarketConfig } from "../../scripts/lib/marketConfig.ts";
import { DIVISOR, fundedTraders } from "../helpers/adl.ts";
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

const params = defaultMarketConfig(ethers.ZeroAddress, 6);
const uncappedReward = (notional: bigint) => ref.keeperReward(params, notional);
const openFee = (absSize: bigint, at: bigint) => ref.mulWadUp(ref.notionalUp(absSize, at, DIVISOR), params.tradingFeeRate);

/** The deficit at `p` of a long opened at $3,000, from the bigint model at the market's current index. */
async function modelDeficit(engine: any, fundingSnapshot: bigint, margin: bigint, absSize: bigint, p: bigint) {
  const index = (await engine.marketState(ETH)).fundingIndex;
  return -ref.equity({ size: absSize, margin, entryPrice: price(3000), fundingSnapshot }, p, index, DIVISOR);
}

/** Same protocol, but no insurance fund at all: nothing funds it and trading fees go elsewhere. */
async function noInsuranceFixture() {
  const [owner, lp, alice, keeper] = await ethers.getSigners();
  const deployed = await deployTestProtocol(ethers, {
    markets: [{ name: "ETH", initialAnswer: answer(3000), configure: (c) => ({ ...c, insuranceFeeShare: 0n }) }],
  });
  const { token, engine, vault } = deployed;
  for (const who of [lp, alice]) {
    await token.mint(who.address, usd(10_000_000));
    await token.connect(who).approve(await engine.getAddress(), ethers.MaxUint256);
    await token.connect(who).approve(await vault.getAddress(), ethers.MaxUint256);
  }
  await vault.connect(lp).deposit(usd(1_000_000), lp.address);
  await engine.connect(alice).deposit(usd(100_000));
  return { ...deployed, feed: deployed.markets[ETH].feed, owner, alice, keeper };
}

describe("bankrupt liquidation reward", () => {
  it("pays the keeper its reward from the insurance fund, drawn together with the deficit", async () => {
    const { engine, alice, keeper, feed, ids } = await networkHelpers.loadFixture(protocolFixture);
    await engine.connect(alice).openPosition(ETH, size(10), usd(1_600), MAX_PRICE, await farDeadline(), 0);
    await setPrice(feed, 2_800); // loss 2,000 on 1,585 of margin
    const insuranceBefore = await engine.insuranceFund();
    const { fundingSnapshot } = await engine.position(ids.alice);
    const receipt = await (await engine.connect(keeper).liquidate(ids.alice, 0)).wait();

    const margin = usd(1_600) - openFee(size(10), price(3000));
    const [liquidated] = eventsOf(engine, receipt, "Liquidated");
    const expectedDeficit = await modelDeficit(engine, fundingSnapshot, margin, size(10), price(2800));
    // The contract floors the funding and the price PnL apart: at most one atom more deficit.
    expect(liquidated.deficit - expectedDeficit >= 0n && liquidated.deficit - expectedDeficit <= 1n).to.equal(true);
    const reward = ref.min(uncappedReward(ref.notionalUp(size(10), price(2800), DIVISOR)), margin / 2n);
    expect(reward).to.equal(usd(29)); // $1 fixed + 0.1% of $28,000
    expect(liquidated.keeperReward).to.equal(reward);
    expect(liquidated.penalty).to.equal(0n);
    expect(eventsOf(engine, receipt, "InsuranceDrawn")).to.deep.equal([
      { marketId: 0n, positionId: ids.alice, amount: reward + liquidated.deficit },
    ]);
    expect(await engine.freeBalance(keeper.address)).to.equal(reward);
    expect(await engine.insuranceFund()).to.equal(insuranceBefore - reward - liquidated.deficit);
    expect(eventsOf(engine, receipt, "DeficitUncovered")).to.deep.equal([]);
  });

  it("with no insurance fund, makes deficit + reward the ADL debt, which the haircuts repay exactly", async () => {
    const { engine, token, alice, keeper, feed } = await networkHelpers.loadFixture(noInsuranceFixture);
    const shorts = await fundedTraders(token, engine, 4);
    // 40 ETH of shorts against a 20 ETH whale: at the bankruptcy price, 20 ETH only covers the deficit.
    for (const s of shorts) await engine.connect(s).openPosition(ETH, -size(10), usd(6_000), 0, await farDeadline(), 0);
    await engine.connect(alice).openPosition(ETH, size(20), usd(6_200), MAX_PRICE, await farDeadline(), 0);
    const whaleId = await engine.positionIdOf(alice.address, ETH);
    await setPrice(feed, 2_650); // loss 7,000 on ~6,170 of margin
    expect(await engine.insuranceFund()).to.equal(0n);

    const receipt = await (await engine.connect(keeper).liquidate(whaleId, 0)).wait();

    const [liquidated] = eventsOf(engine, receipt, "Liquidated");
    const reward = uncappedReward(ref.notionalUp(size(20), price(2650), DIVISOR));
    expect(reward).to.equal(usd(50)); // the cap: $1 + 0.1% of $53,000 = $54
    expect(liquidated.deficit > usd(700)).to.equal(true);
    expect(liquidated.keeperReward).to.equal(reward);
    expect(await engine.freeBalance(keeper.address)).to.equal(reward);
    expect(eventsOf(engine, receipt, "InsuranceDrawn")).to.deep.equal([]);
    const [uncovered] = eventsOf(engine, receipt, "DeficitUncovered");
    expect(uncovered.amount).to.equal(liquidated.deficit + reward);
    const fills = eventsOf(engine, receipt, "AdlFill");
    expect(fills.length > 0).to.equal(true);
    expect(fills.reduce((sum, f) => sum + f.haircut, 0n)).to.equal(liquidated.deficit + reward);
    expect((await engine.marketState(ETH)).shortAdlDebt).to.equal(0n);
    expect(await engine.insuranceFund()).to.equal(0n);
  });

  it("never pays a trader for liquidating its own bankrupt position: the reward is capped at half its margin", async () => {
    const { engine, alice, feed, ids } = await networkHelpers.loadFixture(protocolFixture);
    // $15 of notional on $0.80 of margin: the uncapped reward ($1.014 at $2,800) exceeds the margin.
    const freeBeforeOpen = await engine.freeBalance(alice.address);
    await engine.connect(alice).openPosition(ETH, size("0.005"), 800_000n, MAX_PRICE, await farDeadline(), 0);
    const margin = 800_000n - openFee(size("0.005"), price(3000));
    expect((await engine.position(ids.alice)).margin).to.equal(margin);
    await setPrice(feed, 2_800); // loss $1 on $0.79: bankrupt
    const uncapped = uncappedReward(ref.notionalUp(size("0.005"), price(2800), DIVISOR));
    expect(uncapped > margin).to.equal(true); // without a cap below the margin, self-liquidating would pay

    const receipt = await (await engine.connect(alice).liquidate(ids.alice, 0)).wait();

    const [liquidated] = eventsOf(engine, receipt, "Liquidated");
    expect(liquidated.deficit > 0n).to.equal(true);
    expect(liquidated.keeperReward).to.equal(margin / 2n);
    // What she put in (margin + fee) is gone; what came back is half that margin.
    const gained = (await engine.freeBalance(alice.address)) - freeBeforeOpen;
    expect(gained).to.equal(margin / 2n - 800_000n);
    expect(gained < -(margin / 2n) + 1n).to.equal(true);
  });
});
