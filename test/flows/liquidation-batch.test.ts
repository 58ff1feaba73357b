// Issue 7, property "Batch": liquidateBatch liquidates every entry that can be liquidated and skips
// every other one with a LiquidationSkipped event whose reason is the entry's own revert; only a
// batch that liquidated nothing reverts. Before the fix one failing entry reverted the whole batch.
import { expect } from "chai";
import * as ref from "../../client/math.ts";
import { defaultMarketConfig } from "../../scripts/lib/marketConfig.ts";
import { DIVISOR, fundedTraders } from "../helpers/adl.ts";
import { decodeReason, eventsOf } from "../helpers/events.ts";
import { ETH, MAX_PRICE, ethers, farDeadline, networkHelpers, price, protocolFixture, setPrice, size, usd } from "../helpers/fixture.ts";

const params = defaultMarketConfig(ethers.ZeroAddress, 6);
const tiers = params.tiers.slice(0, params.tierCount);
const UNKNOWN_ID = 42n;

/** At $2,880: alice, carol and dave below maintenance, bob healthy, erin's position closed. */
async function batchFixture() {
  const base = await protocolFixture();
  const { engine, token, feed, alice, bob, carol } = base;
  const [dave, erin] = await fundedTraders(token, engine, 2);
  const deadline = await farDeadline();
  await engine.connect(alice).openPosition(ETH, size(10), usd(1_600), MAX_PRICE, deadline, 0);
  await engine.connect(bob).openPosition(ETH, size(10), usd(5_000), MAX_PRICE, deadline, 0);
  await engine.connect(carol).openPosition(ETH, size(10), usd(1_700), MAX_PRICE, deadline, 0);
  await engine.connect(dave).openPosition(ETH, size(10), usd(1_650), MAX_PRICE, deadline, 0);
  await engine.connect(erin).openPosition(ETH, size(10), usd(1_600), MAX_PRICE, deadline, 0);
  const erinId = await engine.positionIdOf(erin.address, ETH);
  await engine.connect(erin).closePosition(ETH, 0, deadline);
  await setPrice(feed, 2_880);
  return { ...base, daveId: await engine.positionIdFor(dave.address, ETH), erinId };
}

describe("liquidateBatch", () => {
  it("liquidates every liquidatable entry and skips each failing one with its decoded reason", async () => {
    const { engine, keeper, ids, daveId, erinId } = await networkHelpers.loadFixture(batchFixture);
    const bobBefore = await engine.position(ids.bob);
    const batch = [ids.alice, erinId, ids.bob, ids.carol, UNKNOWN_ID, daveId];
    expect(await engine.connect(keeper).liquidateBatch.staticCall(batch, [])).to.equal(3n);

    const receipt = await (await engine.connect(keeper).liquidateBatch(batch, [])).wait();

    expect(eventsOf(engine, receipt, "Liquidated").map((e) => e.positionId)).to.deep.equal([ids.alice, ids.carol, daveId]);
    for (const id of [ids.alice, ids.carol, daveId]) expect((await engine.position(id)).size < size(10)).to.equal(true);
    const skipped = eventsOf(engine, receipt, "LiquidationSkipped").map((e) => ({ id: e.positionId, ...decodeReason(engine, e.reason) }));
    // Bob's reason carries his equity and maintenance margin at the batch's price and funding index.
    const index = (await engine.marketState(ETH)).fundingIndex;
    const bobEquity = ref.equity(bobBefore, price(2880), index, DIVISOR);
    const bobMaintenance = ref.maintenanceMargin(tiers, size(10), price(2880), DIVISOR);
    expect(bobEquity >= bobMaintenance).to.equal(true);
    expect(skipped).to.deep.equal([
      { id: erinId, name: "PositionNotFound", args: [erinId] },
      { id: ids.bob, name: "NotLiquidatable", args: [ids.bob, bobEquity, bobMaintenance] },
      { id: UNKNOWN_ID, name: "PositionNotFound", args: [UNKNOWN_ID] },
    ]);
    // A skipped entry is left exactly as it was.
    const bobAfter = await engine.position(ids.bob);
    expect([bobAfter.size, bobAfter.margin, bobAfter.fundingSnapshot]).to.deep.equal([
      bobBefore.size,
      bobBefore.margin,
      bobBefore.fundingSnapshot,
    ]);
  });

  it("reverts NothingLiquidated only when no entry was liquidated", async () => {
    const { engine, keeper, ids, erinId } = await networkHelpers.loadFixture(batchFixture);
    await expect(engine.connect(keeper).liquidateBatch([erinId, ids.bob, UNKNOWN_ID], []))
      .to.be.revertedWithCustomError(engine, "NothingLiquidated")
      .withArgs(3n);
    await expect(engine.connect(keeper).liquidateBatch([], [])).to.be.revertedWithCustomError(engine, "NothingLiquidated").withArgs(0n);
    // One liquidatable entry among the failing ones is enough for the batch to go through.
    expect(await engine.connect(keeper).liquidateBatch.staticCall([erinId, ids.bob, UNKNOWN_ID, ids.alice], [])).to.equal(1n);
  });

  it("rejects liquidateFor from outside the engine, even for a liquidatable position", async () => {
    const { engine, keeper, ids } = await networkHelpers.loadFixture(batchFixture);
    expect((await engine.connect(keeper).liquidateBatch.staticCall([ids.alice], [])) === 1n).to.equal(true);
    await expect(engine.connect(keeper).liquidateFor(ids.alice, 0, keeper.address))
      .to.be.revertedWithCustomError(engine, "OnlyEngine")
      .withArgs(keeper.address);
  });
});
