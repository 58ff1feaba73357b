import { expect } from "chai";
import { ETH, MAX_PRICE, farDeadline, networkHelpers, price, protocolFixture, size, usd } from "../helpers/fixture.ts";
import * as ref from "../../client/math.ts";

const DIVISOR = ref.valueDivisor(6);
const toAnswer = (wad: bigint) => wad / 10n ** 10n;

describe("PerpLens views", () => {
  async function withPositions() {
    const base = await protocolFixture();
    // Balanced sizes keep funding at zero, so prices found now hold in later blocks.
    await base.engine.connect(base.alice).openPosition(ETH, size(10), usd(1_600), MAX_PRICE, await farDeadline(), 0);
    await base.engine.connect(base.bob).openPosition(ETH, -size(10), usd(1_600), 0, await farDeadline(), 0);
    return base;
  }

  for (const [label, trader] of [
    ["long", "alice"],
    ["short", "bob"],
  ] as const) {
    const towardDanger = trader === "alice" ? -1n : 1n;
    it(`gives a ${label}'s liquidation price: liquidatable just beyond it, not just before`, async () => {
      const { lens, feed, ids } = await networkHelpers.loadFixture(withPositions);
      const id = ids[trader];
      const h = await lens.positionHealth(id);
      expect(h.liquidatable).to.equal(false);
      const liq = h.liquidationPrice;
      // The engine rounds equity down and margin up by an atom or two; 1e-5 of a dollar covers it.
      const dangerSide = toAnswer(liq) + towardDanger * 1_000n;
      const safeSide = toAnswer(liq) - towardDanger * 1_000n;
      await feed.setAnswer(safeSide);
      expect((await lens.positionHealth(id)).liquidatable).to.equal(false);
      await feed.setAnswer(dangerSide);
      const after = await lens.positionHealth(id);
      expect(after.liquidatable).to.equal(true);
      expect(after.marginRatio < 10n ** 18n).to.equal(true);
    });

    it(`gives a ${label}'s bankruptcy price, where equity crosses zero`, async () => {
      const { lens, engine, feed, ids } = await networkHelpers.loadFixture(withPositions);
      const id = ids[trader];
      const bankruptcy = (await lens.positionHealth(id)).bankruptcyPrice;
      const p = await engine.position(id);
      const index = (await engine.marketState(ETH)).fundingIndex;
      expect(ref.equity(p, bankruptcy - towardDanger * 10n ** 10n, index, DIVISOR) >= 0n).to.equal(true);
      expect(ref.equity(p, bankruptcy + towardDanger * 10n ** 10n, index, DIVISOR) < 0n).to.equal(true);
      await feed.setAnswer(toAnswer(bankruptcy) + towardDanger * 2n);
      expect((await lens.positionHealth(id)).bankrupt).to.equal(true);
    });
  }

  it("reports equity and margins that match the reference model", async () => {
    const { lens, engine, ids } = await networkHelpers.loadFixture(withPositions);
    const [h] = await lens.positionHealthBatch([ids.alice]);
    const p = await engine.position(ids.alice);
    const index = (await engine.marketState(ETH)).fundingIndex;
    expect(h.equity).to.equal(ref.equity(p, price(3000), index, DIVISOR));
    expect(h.notional).to.equal(usd(30_000));
    expect(h.maintenanceMargin).to.equal(usd(750));
    expect(h.initialMargin).to.equal(usd(1_500));
    expect(h.marginRatio).to.equal((h.equity * 10n ** 18n) / usd(750));
  });

  it("reports insurance coverage against open notional", async () => {
    const { lens, engine } = await networkHelpers.loadFixture(withPositions);
    const [fund, openNotional, coverage] = await lens.insuranceCoverage();
    expect(fund).to.equal(await engine.insuranceFund());
    expect(openNotional).to.equal(usd(60_000));
    expect(coverage).to.equal((fund * 10n ** 18n) / usd(60_000));
  });
});
