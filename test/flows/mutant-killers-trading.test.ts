// Trading rules that the mutation run (scripts/mutants.ts) showed no other test pins down: the
// minimum position size at its exact boundary, the insurance share of a fee rounded down, and the
// DeleveragePending check on removing margin.
import { expect } from "chai";
import { defaultMarketConfig } from "../../scripts/lib/marketConfig.ts";
import { fundedTraders, openHinted } from "../helpers/adl.ts";
import { ETH, MAX_PRICE, ethers, farDeadline, networkHelpers, price, protocolFixture, setPrice, size, usd } from "../helpers/fixture.ts";
import * as ref from "../../client/math.ts";

const DIVISOR = ref.valueDivisor(6);
const params = defaultMarketConfig(ethers.ZeroAddress, 6);

describe("trading rules at their edges", () => {
  it("accepts a fill of exactly the minimum notional and refuses one atom of notional less", async () => {
    const { engine, feed, alice, bob, ids } = await networkHelpers.loadFixture(protocolFixture);
    // At $2,500 a size of 0.004 ETH is exactly 10 tokens of notional, the market's minimum.
    await setPrice(feed, 2_500);
    const atMinimum = size("0.004");
    expect(ref.notionalDown(atMinimum, price(2500), DIVISOR)).to.equal(params.minPositionNotional);
    await engine.connect(alice).openPosition(ETH, atMinimum, usd(5), MAX_PRICE, await farDeadline(), 0);
    expect((await engine.position(ids.alice)).size).to.equal(atMinimum);

    const below = atMinimum - 1n;
    const notional = ref.notionalDown(below, price(2500), DIVISOR);
    expect(notional).to.equal(params.minPositionNotional - 1n);
    await expect(engine.connect(bob).openPosition(ETH, below, usd(5), MAX_PRICE, await farDeadline(), 0))
      .to.be.revertedWithCustomError(engine, "PositionBelowMinimum")
      .withArgs(ids.bob, notional, params.minPositionNotional);
    // A reduction may not leave less than the minimum either; a full close always may.
    await expect(engine.connect(alice).modifyPosition(ETH, -1n, 0, await farDeadline(), 0))
      .to.be.revertedWithCustomError(engine, "PositionBelowMinimum")
      .withArgs(ids.alice, notional, params.minPositionNotional);
    await engine.connect(alice).closePosition(ETH, 0, await farDeadline());
    expect((await engine.position(ids.alice)).size).to.equal(0n);
  });

  it("gives the insurance fund its share of a fee rounded down, the vault the rest", async () => {
    const { engine, alice } = await networkHelpers.loadFixture(protocolFixture);
    // 1.000001 ETH at $3,000: the fee is 1,500,002 atoms, whose 20% share is 300,000.4 atoms.
    const traded = size("1.000001");
    const fee = ref.mulWadUp(ref.notionalUp(traded, price(3000), DIVISOR), params.tradingFeeRate);
    const share = ref.mulWadDown(fee, params.insuranceFeeShare);
    expect((fee * params.insuranceFeeShare) % ref.WAD).to.not.equal(0n); // the rounding direction matters here
    const insuranceBefore = await engine.insuranceFund();
    const cashBefore = await engine.vaultCash();
    await engine.connect(alice).openPosition(ETH, traded, usd(1_000), MAX_PRICE, await farDeadline(), 0);
    expect(await engine.insuranceFund()).to.equal(insuranceBefore + share);
    expect(await engine.vaultCash()).to.equal(cashBefore + fee - share);
  });

  it("refuses to remove margin from a profitable position while its side owes ADL debt (DeleveragePending)", async () => {
    const { engine, lens, token, feed, alice, keeper } = await networkHelpers.loadFixture(protocolFixture);
    // Twenty small shorts cannot cover a whale's deficit in the eight inline fills, so debt stays pending.
    const shorts = await fundedTraders(token, engine, 20);
    for (const s of shorts) await openHinted(engine, lens, s, -size(3), usd(1_000), price(3000));
    const whaleId = await openHinted(engine, lens, alice, size(150), usd(46_000), price(3000));
    await setPrice(feed, 2600);
    await engine.connect(keeper).liquidate(whaleId, 0);
    const state = await engine.marketState(ETH);
    expect(state.shortAdlPending).to.equal(true);

    // A short the inline fills did not reach is ~400 per ETH in profit: its margin is not its own to move.
    let untouched;
    for (const s of shorts) if ((await engine.position(await engine.positionIdOf(s.address, ETH))).size === -size(3)) untouched = s;
    const id = await engine.positionIdOf(untouched!.address, ETH);
    const marginBefore = (await engine.position(id)).margin;
    await expect(engine.connect(untouched!).removeMargin(ETH, usd(100), await farDeadline(), 0))
      .to.be.revertedWithCustomError(engine, "DeleveragePending")
      .withArgs(ETH, false, state.shortAdlDebt);
    // Adding margin settles nothing, so it stays open.
    await engine.connect(untouched!).addMargin(ETH, usd(100), 0);
    expect((await engine.position(id)).margin).to.equal(marginBefore + usd(100));
  });
});
