// Issue 7, property "Minimum position size": every fill must leave at least the market's
// minPositionNotional (rounded down at the fill price), except a full close, which is always
// allowed. This is what makes each position an attacker puts in a queue's way cost real money.
import { expect } from "chai";
import * as ref from "../../client/math.ts";
import { predictTrade } from "../../client/predict.ts";
import { defaultMarketConfig } from "../../scripts/lib/marketConfig.ts";
import { DIVISOR } from "../helpers/adl.ts";
import { ETH, MAX_PRICE, ethers, farDeadline, networkHelpers, price, protocolFixture, setPrice, size, usd } from "../helpers/fixture.ts";

const params = defaultMarketConfig(ethers.ZeroAddress, 6);
const MIN = params.minPositionNotional; // $10

describe("minimum position size", () => {
  it("rejects an open below the minimum with its notional, and accepts one exactly at it", async () => {
    const { engine, alice, ids } = await networkHelpers.loadFixture(protocolFixture);
    const deadline = await farDeadline();
    await expect(engine.connect(alice).openPosition(ETH, size("0.003"), usd(5), MAX_PRICE, deadline, 0))
      .to.be.revertedWithCustomError(engine, "PositionBelowMinimum")
      .withArgs(ids.alice, usd(9), MIN);
    // The smallest size whose notional, rounded down, reaches $10 at $3,000; one wei less does not.
    const atMinimum = ref.divCeil(MIN * DIVISOR, price(3000));
    expect(ref.notionalDown(atMinimum - 1n, price(3000), DIVISOR)).to.equal(MIN - 1n);
    await expect(engine.connect(alice).openPosition(ETH, -(atMinimum - 1n), usd(5), 0, deadline, 0))
      .to.be.revertedWithCustomError(engine, "PositionBelowMinimum")
      .withArgs(ids.alice, MIN - 1n, MIN);
    await engine.connect(alice).openPosition(ETH, -atMinimum, usd(5), 0, deadline, 0);
    expect((await engine.position(ids.alice)).size).to.equal(-atMinimum);
  });

  it("rejects a reduce that leaves less than the minimum", async () => {
    const { engine, alice, ids } = await networkHelpers.loadFixture(protocolFixture);
    const deadline = await farDeadline();
    await engine.connect(alice).openPosition(ETH, size(1), usd(500), MAX_PRICE, deadline, 0);
    await expect(engine.connect(alice).modifyPosition(ETH, -size("0.997"), 0, deadline, 0))
      .to.be.revertedWithCustomError(engine, "PositionBelowMinimum")
      .withArgs(ids.alice, usd(9), MIN);
    await engine.connect(alice).modifyPosition(ETH, -size("0.996"), 0, deadline, 0); // leaves $12
    expect((await engine.position(ids.alice)).size).to.equal(size("0.004"));
  });

  it("closes in full a position the price has shrunk below the minimum, which no reduce may touch", async () => {
    const { engine, alice, feed, ids } = await networkHelpers.loadFixture(protocolFixture);
    const deadline = await farDeadline();
    await engine.connect(alice).openPosition(ETH, -size("0.004"), usd(5), 0, deadline, 0); // $12 at $3,000
    await setPrice(feed, 2_000); // now $8, and in profit
    await expect(engine.connect(alice).modifyPosition(ETH, size("0.001"), MAX_PRICE, deadline, 0))
      .to.be.revertedWithCustomError(engine, "PositionBelowMinimum")
      .withArgs(ids.alice, usd(6), MIN);
    // Even an increase is a fill that must reach the minimum.
    await expect(engine.connect(alice).modifyPosition(ETH, -size("0.0005"), 0, deadline, 0))
      .to.be.revertedWithCustomError(engine, "PositionBelowMinimum")
      .withArgs(ids.alice, usd(9), MIN);

    const position = await engine.position(ids.alice);
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
      { sizeDelta: size("0.004"), marginIn: 0n, marginOut: 0n },
      price(2000),
      timestamp,
    );
    const freeBefore = await engine.freeBalance(alice.address);
    await networkHelpers.time.setNextBlockTimestamp(timestamp);
    await engine.connect(alice).closePosition(ETH, MAX_PRICE, deadline);
    expect((await engine.position(ids.alice)).size).to.equal(0n);
    expect((await engine.freeBalance(alice.address)) - freeBefore).to.equal(predicted.margin);
    expect(predicted.margin > usd(8)).to.equal(true); // ~$5 of margin plus ~$4 of profit
  });
});
