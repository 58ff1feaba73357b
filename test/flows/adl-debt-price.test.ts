// Issue 7, "Say exactly what the code does", README rules (2) and (3), each checked against values
// computed here from the rule itself:
// (2) when the oracle has moved back past a pending debt's bankruptcy price, a fill is at the
//     counterparty's break-even: all of the closed part's profit is taken;
// (3) pending debts from several bankruptcies are filled at their deficit-weighted blended price.
import { expect } from "chai";
import * as ref from "../../client/math.ts";
import { defaultMarketConfig } from "../../scripts/lib/marketConfig.ts";
import { DIVISOR, fundedTraders } from "../helpers/adl.ts";
import { eventsOf } from "../helpers/events.ts";
import { ETH, MAX_PRICE, ethers, farDeadline, networkHelpers, price, protocolFixture, setPrice, size, usd } from "../helpers/fixture.ts";

const params = defaultMarketConfig(ethers.ZeroAddress, 6);
const CRASH = price(2600);

/** Twenty 3 ETH shorts from $3,000; alice (150 ETH) and carol (50 ETH) longs that $2,600 bankrupts. */
async function twoWhalesFixture() {
  const base = await protocolFixture();
  const { engine, token, feed, alice, carol } = base;
  const deadline = await farDeadline();
  const shorts = await fundedTraders(token, engine, 20);
  for (const s of shorts) await engine.connect(s).openPosition(ETH, -size(3), usd(1_000), 0, deadline, 0);
  await engine.connect(alice).openPosition(ETH, size(150), usd(46_000), MAX_PRICE, deadline, 0);
  await engine.connect(carol).openPosition(ETH, size(50), usd(15_500), MAX_PRICE, deadline, 0);
  await setPrice(feed, 2_600);
  const shortIds = await Promise.all(shorts.map((s) => engine.positionIdOf(s.address, ETH)));
  return { ...base, shortIds };
}

/** Liquidates a bankrupt long of `absSize` at the crash price; returns the receipt and its bankruptcy price. */
async function liquidateWhale(base: Awaited<ReturnType<typeof twoWhalesFixture>>, id: bigint, absSize: bigint) {
  const whale = await base.engine.position(id);
  const receipt = await (await base.engine.connect(base.keeper).liquidate(id, 0)).wait();
  const [liquidated] = eventsOf(base.engine, receipt, "Liquidated");
  // Where the whale's equity was zero: its funding-adjusted entry less its margin per unit, rounded down.
  const index = (await base.engine.marketState(ETH)).fundingIndex;
  const bankruptcyPrice = whale.entryPrice + (index - whale.fundingSnapshot) - (whale.margin * DIVISOR) / absSize;
  return { receipt, liquidated, bankruptcyPrice };
}

describe("ADL debt prices", () => {
  it("rule (2): fills at the counterparty's break-even once the oracle is back past the debt's price", async () => {
    const base = await networkHelpers.loadFixture(twoWhalesFixture);
    const { engine, lens, feed, keeper, ids } = base;
    const { bankruptcyPrice } = await liquidateWhale(base, ids.alice, size(150));
    const state = await engine.marketState(ETH);
    expect(state.shortAdlPrice).to.equal(bankruptcyPrice);
    let remaining = state.shortAdlDebt;
    expect(remaining > 0n).to.equal(true);
    // The oracle moves back above the debt's bankruptcy price (~$2,695): a fill at the debt's price
    // would now pay the shorts less than nothing on the closed part, so it is at break-even instead.
    await setPrice(feed, 2_750);
    expect(price(2750) > bankruptcyPrice).to.equal(true);
    const [ranking] = await lens.adlRanking(ETH, false, 20);
    const before = new Map(await Promise.all(ranking.map(async (id) => [id, await engine.position(id)] as const)));

    const receipt = await (await engine.connect(keeper).deleverage(ETH, false, ranking.length, 0, 0)).wait();

    const x = price(2750) - (await engine.marketState(ETH)).fundingIndex;
    const fills = eventsOf(engine, receipt, "AdlFill");
    expect(fills.length > 1).to.equal(true);
    for (const fill of fills) {
      const p = before.get(fill.positionId)!;
      const unitProfit = p.entryPrice - p.fundingSnapshot - x; // a short's profit per unit, net of funding
      const closeSize = ref.min(-p.size, ref.divCeil(remaining * DIVISOR, unitProfit));
      const value = (closeSize * unitProfit) / DIVISOR;
      const haircut = ref.min(remaining, value);
      remaining -= haircut;
      expect(fill.closedSize).to.equal(closeSize);
      expect(fill.fillPrice).to.equal(price(2750) + unitProfit); // its break-even: entry adjusted for funding
      expect(fill.haircut).to.equal(haircut);
      expect(fill.realisedPnl).to.equal(value - haircut);
      if (closeSize === -p.size && remaining > 0n) expect(fill.realisedPnl).to.equal(0n); // all profit taken
    }
    expect(remaining).to.equal(0n);
    expect((await engine.marketState(ETH)).shortAdlDebt).to.equal(0n);
  });

  it("rule (3): fills two pending debts at their deficit-weighted blended bankruptcy price", async () => {
    const base = await networkHelpers.loadFixture(twoWhalesFixture);
    const { engine, ids } = base;
    const first = await liquidateWhale(base, ids.alice, size(150));
    const pending = (await engine.marketState(ETH)).shortAdlDebt; // what the inline fills left
    expect(pending > 0n).to.equal(true);
    expect(await engine.insuranceFund()).to.equal(0n);

    const second = await liquidateWhale(base, ids.carol, size(50));
    // With the fund empty, carol's whole deficit plus her keeper's reward ($50, the cap) is new debt.
    const reward = ref.keeperReward(params, usd(130_000));
    const added = second.liquidated.deficit + reward;
    const [uncovered] = eventsOf(engine, second.receipt, "DeficitUncovered");
    expect([uncovered.amount, uncovered.totalDebt]).to.deep.equal([added, pending + added]);
    const weighted = pending * first.bankruptcyPrice + added * second.bankruptcyPrice;
    const blended = weighted / (pending + added);
    const [recorded] = eventsOf(engine, second.receipt, "AdlDebtChanged");
    expect(recorded.debt).to.equal(pending + added);
    // The contract sums two rounded-down shares, which may fall one wei below the rounded-down blend.
    expect(blended - recorded.bankruptcyPrice >= 0n && blended - recorded.bankruptcyPrice <= 1n).to.equal(true);
    expect(blended > second.bankruptcyPrice && blended < first.bankruptcyPrice).to.equal(true);

    // Every fill of the combined debt is at the blended price (it is below every short's break-even).
    const fills = eventsOf(engine, second.receipt, "AdlFill");
    expect(fills.length).to.equal(8);
    let remaining = pending + added;
    for (const fill of fills) {
      expect(fill.fillPrice).to.equal(recorded.bankruptcyPrice);
      const closeSize = ref.min(size(3), ref.divCeil(remaining * DIVISOR, recorded.bankruptcyPrice - CRASH));
      remaining -= ref.min(remaining, (closeSize * (recorded.bankruptcyPrice - CRASH)) / DIVISOR);
      expect([fill.closedSize, fill.remainingDebt]).to.deep.equal([closeSize, remaining]);
    }
  });
});
