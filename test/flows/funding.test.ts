import { expect } from "chai";
import { defaultMarketConfig } from "../../scripts/lib/marketConfig.ts";
import { ETH, MAX_PRICE, ethers, farDeadline, networkHelpers, price, protocolFixture, setPrice, size, usd } from "../helpers/fixture.ts";
import * as ref from "../../client/math.ts";

const DIVISOR = ref.valueDivisor(6);
const params = defaultMarketConfig(ethers.ZeroAddress, 6);

describe("funding", () => {
  it("accrues the skew-based rate into the cumulative index on every touch", async () => {
    const { engine, alice, bob, feed, ids } = await networkHelpers.loadFixture(protocolFixture);
    await engine.connect(alice).openPosition(ETH, size(300), usd(99_000), MAX_PRICE, await farDeadline(), 0);
    await engine.connect(bob).openPosition(ETH, -size(50), usd(20_000), 0, await farDeadline(), 0);
    const s0 = await engine.marketState(ETH);
    await networkHelpers.time.increase(3600);
    await setPrice(feed, 3000); // keep the feed within its heartbeat
    await engine.connect(bob).addMargin(ETH, 1n, 0); // no price: no accrual
    expect((await engine.marketState(ETH)).fundingIndex).to.equal(s0.fundingIndex);
    await engine.connect(bob).modifyPosition(ETH, -size(1), 0, await farDeadline(), 0);
    const s1 = await engine.marketState(ETH);
    const elapsed = s1.lastFundingTime - s0.lastFundingTime;
    const rate = ref.fundingRate(params.maxFundingRatePerSecond, params.skewScale, size(300), size(50));
    expect(rate).to.equal(params.maxFundingRatePerSecond / 4n); // skew 250 of a 1,000 scale
    expect(s1.fundingIndex).to.equal(ref.fundingIndexAfter(s0.fundingIndex, rate, price(3000), elapsed));
  });

  it("clamps the rate at full skew and reverses sign when shorts are heavier", async () => {
    expect(ref.fundingRate(100n, 1_000n, 5_000n, 0n)).to.equal(100n);
    const { engine, bob } = await networkHelpers.loadFixture(protocolFixture);
    await engine.connect(bob).deposit(usd(1_000_000));
    // 1,100 ETH of skew against a 1,000 scale: beyond full skew.
    await engine.connect(bob).openPosition(ETH, -size(1_100), usd(700_000), 0, await farDeadline(), 0);
    const s0 = await engine.marketState(ETH);
    await networkHelpers.time.increase(100);
    await engine.connect(bob).modifyPosition(ETH, size(1), MAX_PRICE, await farDeadline(), 0);
    const s1 = await engine.marketState(ETH);
    const elapsed = s1.lastFundingTime - s0.lastFundingTime;
    expect(s1.fundingIndex).to.equal(s0.fundingIndex - (params.maxFundingRatePerSecond * price(3000) * elapsed) / ref.WAD);
  });

  it("makes the heavy side pay the light side, with the vault taking the imbalance", async () => {
    const { engine, alice, bob, feed, ids } = await networkHelpers.loadFixture(protocolFixture);
    await engine.connect(alice).openPosition(ETH, size(300), usd(99_000), MAX_PRICE, await farDeadline(), 0);
    await engine.connect(bob).openPosition(ETH, -size(50), usd(20_000), 0, await farDeadline(), 0);
    const aliceBefore = await engine.position(ids.alice);
    const bobBefore = await engine.position(ids.bob);
    await networkHelpers.time.increase(86_400);
    await setPrice(feed, 3000);
    await engine.connect(alice).addMargin(ETH, 1n, 0);
    const cash0 = await engine.vaultCash();
    await engine.connect(alice).removeMargin(ETH, 1n, await farDeadline(), 0);
    const aliceAfter = await engine.position(ids.alice);
    const cash1 = await engine.vaultCash();
    await engine.connect(bob).removeMargin(ETH, 1n, await farDeadline(), 0);
    const bobAfter = await engine.position(ids.bob);
    const cash2 = await engine.vaultCash();

    const alicePaid = -ref.traderValue(size(300), aliceBefore.fundingSnapshot - aliceAfter.fundingSnapshot, DIVISOR);
    const bobReceived = ref.traderValue(-size(50), bobBefore.fundingSnapshot - bobAfter.fundingSnapshot, DIVISOR);
    expect(alicePaid > usd(1_000)).to.equal(true);
    expect(bobReceived > 0n).to.equal(true);
    expect(aliceAfter.margin).to.equal(aliceBefore.margin + 1n - 1n - alicePaid);
    expect(bobAfter.margin).to.equal(bobBefore.margin - 1n + bobReceived);
    expect(cash1 - cash0).to.equal(alicePaid);
    expect(cash2 - cash1).to.equal(-bobReceived);
  });
});
