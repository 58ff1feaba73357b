// Issue 7, property "Profit cannot escape pending ADL debt": while the shorts owe ADL debt, no trade
// may touch a profitable short (each would settle funding or realise profit the debt has a claim
// on), not even a 1-wei increase, which before the fix settled funding into margin unchecked.
// Adding margin stays open (it settles nothing), and a losing short can still leave.
import { expect } from "chai";
import { predictTrade } from "../../client/predict.ts";
import { defaultMarketConfig } from "../../scripts/lib/marketConfig.ts";
import { DIVISOR, fundedTraders } from "../helpers/adl.ts";
import { ETH, MAX_PRICE, ethers, farDeadline, networkHelpers, price, protocolFixture, setPrice, size, usd } from "../helpers/fixture.ts";

const params = defaultMarketConfig(ethers.ZeroAddress, 6);

/** Twenty 3 ETH shorts and a 150 ETH whale: at $2,600 eight inline fills leave debt pending. */
async function pendingDebtFixture() {
  const base = await protocolFixture();
  const { engine, token, feed, alice, bob, carol, keeper } = base;
  const deadline = await farDeadline();
  for (const s of await fundedTraders(token, engine, 20)) await engine.connect(s).openPosition(ETH, -size(3), usd(1_000), 0, deadline, 0);
  await engine.connect(bob).openPosition(ETH, -size(1), usd(3_000), 0, deadline, 0); // 1x: ranked last, never filled
  await engine.connect(alice).openPosition(ETH, size(150), usd(46_000), MAX_PRICE, deadline, 0);
  await setPrice(feed, 2_500);
  await engine.connect(carol).openPosition(ETH, -size(1), usd(1_000), 0, deadline, 0); // loses at $2,600
  await setPrice(feed, 2_600);
  await engine.connect(keeper).liquidate(await engine.positionIdOf(alice.address, ETH), 0);
  return base;
}

describe("profit cannot escape pending ADL debt", () => {
  it("blocks every trade on a profitable short of the owing side, even a 1-wei increase", async () => {
    const { engine, bob, ids } = await networkHelpers.loadFixture(pendingDebtFixture);
    const debt = (await engine.marketState(ETH)).shortAdlDebt;
    expect(debt > 0n).to.equal(true);
    const bobBefore = await engine.position(ids.bob);
    const deadline = await farDeadline();
    const attempts = [
      engine.connect(bob).modifyPosition(ETH, -1n, 0, deadline, 0), // increase by one wei
      engine.connect(bob).modifyPosition(ETH, size("0.5"), MAX_PRICE, deadline, 0), // reduce
      engine.connect(bob).closePosition(ETH, MAX_PRICE, deadline),
      engine.connect(bob).removeMargin(ETH, usd(10), deadline, 0),
    ];
    for (const attempt of attempts) {
      await expect(attempt).to.be.revertedWithCustomError(engine, "DeleveragePending").withArgs(ETH, false, debt);
    }
    // Adding margin settles nothing, so it stays open: exactly the amount, same funding snapshot.
    await engine.connect(bob).addMargin(ETH, usd(10), 0);
    const bobAfter = await engine.position(ids.bob);
    expect(bobAfter.margin).to.equal(bobBefore.margin + usd(10));
    expect(bobAfter.fundingSnapshot).to.equal(bobBefore.fundingSnapshot);
    expect(bobAfter.size).to.equal(bobBefore.size);
  });

  it("lets a losing short of the owing side close", async () => {
    const { engine, carol, ids } = await networkHelpers.loadFixture(pendingDebtFixture);
    expect((await engine.marketState(ETH)).shortAdlPending).to.equal(true);
    const position = await engine.position(ids.carol);
    const timestamp = BigInt(await networkHelpers.time.latest()) + 1n;
    const predicted = predictTrade(
      position,
      await engine.marketState(ETH),
      {
        tradingFeeRate: params.tradingFeeRate,
        maxFundingRatePerSecond: params.maxFundingRatePerSecond,
        skewScale: params.skewScale,
        valueDivisor: DIVISOR,
      },
      { sizeDelta: size(1), marginIn: 0n, marginOut: 0n },
      price(2600),
      timestamp,
    );
    const freeBefore = await engine.freeBalance(carol.address);
    await networkHelpers.time.setNextBlockTimestamp(timestamp);
    await engine.connect(carol).closePosition(ETH, MAX_PRICE, await farDeadline());
    expect((await engine.position(ids.carol)).size).to.equal(0n);
    expect((await engine.freeBalance(carol.address)) - freeBefore).to.equal(predicted.margin);
    expect(predicted.margin < usd(900)).to.equal(true); // ~$1,000 of margin less a ~$100 loss
  });
});
