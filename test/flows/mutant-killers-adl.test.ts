// ADL fills and ranking details that the mutation run (scripts/mutants.ts) showed no other test
// pins down. Expected values come from client/math.ts and client/adl.ts, not from the contracts.
import { expect } from "chai";
import type { Signer } from "ethers";
import { bucketEdge, bucketOf, rankSide, slopeOf } from "../../client/adl.ts";
import { defaultMarketConfig } from "../../scripts/lib/marketConfig.ts";
import { deployTestProtocol } from "../helpers/testProtocol.ts";
import { DIVISOR, currentX, fundedTraders, openHinted, sidePositions } from "../helpers/adl.ts";
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
import * as ref from "../../client/math.ts";

/** The market parameters and value divisor of a settlement token with `decimals` decimals. */
const market = (decimals: number) => ({ params: defaultMarketConfig(ethers.ZeroAddress, decimals), divisor: ref.valueDivisor(decimals) });
const SIX = market(6);

type Base = Awaited<ReturnType<typeof protocolFixture>>;
type Engine = Base["engine"];

interface Fill {
  positionId: bigint;
  closedSize: bigint;
  fillPrice: bigint;
  realisedPnl: bigint;
  haircut: bigint;
  remainingDebt: bigint;
}

/** The AdlFill events of a transaction, in order. */
async function fillsOf(engine: Engine, tx: { wait(): Promise<unknown> }): Promise<Fill[]> {
  const receipt = (await tx.wait()) as { logs: Parameters<typeof engine.interface.parseLog>[0][] };
  return receipt.logs
    .map((log) => engine.interface.parseLog(log))
    .filter((e) => e?.name === "AdlFill")
    .map((e) => e!.args.toObject() as Fill);
}

/** Opens a position whose stored margin is exactly `margin`: the opening fee is paid on top. */
async function openWithMargin(engine: Engine, trader: Signer, traded: bigint, margin: bigint, at: bigint, m = SIX) {
  const fee = ref.mulWadUp(ref.notionalUp(traded, at, m.divisor), m.params.tradingFeeRate);
  await engine.connect(trader).openPosition(ETH, traded, margin + fee, traded > 0n ? MAX_PRICE : 0n, await farDeadline(), 0);
  const id = await engine.positionIdOf(await trader.getAddress(), ETH);
  expect((await engine.position(id)).margin).to.equal(margin);
  return id;
}

/**
 * Opens a long at $3,000 and liquidates it, bankrupt, at `crash`; returns the transaction and the
 * deficit, the uncovered debt and the bankruptcy price as the model computes them.
 */
async function liquidateBankruptLong(
  base: Pick<Base, "engine" | "feed" | "alice" | "keeper">,
  whaleSize: bigint,
  whaleMargin: bigint,
  crash: number,
  m = SIX,
) {
  const { engine, feed, alice, keeper } = base;
  await setPrice(feed, 3000);
  const whaleId = await openWithMargin(engine, alice, whaleSize, whaleMargin, price(3000), m);
  await setPrice(feed, crash);
  const p = price(crash);
  const whale = await engine.position(whaleId);
  const insurance = await engine.insuranceFund();
  const tx = await engine.connect(keeper).liquidate(whaleId, 0);
  const deficit = -ref.equity(whale, p, (await engine.marketState(ETH)).fundingIndex, m.divisor);
  const notional = ref.notionalUp(whale.size, p, m.divisor);
  const fullReward = ref.min(m.params.keeperRewardFixed + ref.mulWadDown(notional, m.params.keeperRewardRate), m.params.keeperRewardCap);
  const owed = deficit + ref.min(fullReward, whale.margin / 2n);
  const uncovered = owed - ref.min(owed, insurance);
  // LiquidationMath.bankruptcyPrice: the funding-adjusted entry less the margin per unit of size,
  // rounded down (toward the trader's danger, up for a long).
  const index = (await engine.marketState(ETH)).fundingIndex;
  const bankruptcyPrice = whale.entryPrice + (index - whale.fundingSnapshot) - (whale.margin * m.divisor) / whale.size;
  return { tx, p, deficit, uncovered, bankruptcyPrice, whale };
}

/** The shared fixture's shape with an 18-decimal settlement token, where one atom is worth far less than a price tick. */
async function eighteenDecimalFixture() {
  const [owner, lp, alice, bob, keeper] = await ethers.getSigners();
  const tokens = (n: number) => BigInt(n) * 10n ** 18n;
  const deployed = await deployTestProtocol(ethers, { tokenDecimals: 18, markets: [{ name: "ETH", initialAnswer: answer(3000) }] });
  const { token, engine, vault } = deployed;
  for (const who of [owner, lp, alice, bob]) {
    await token.mint(who.address, tokens(10_000_000));
    await token.connect(who).approve(await engine.getAddress(), ethers.MaxUint256);
    await token.connect(who).approve(await vault.getAddress(), ethers.MaxUint256);
  }
  await vault.connect(lp).deposit(tokens(1_000_000), lp.address);
  await engine.connect(owner).fundInsurance(tokens(10_000));
  for (const trader of [alice, bob]) await engine.connect(trader).deposit(tokens(100_000));
  return { engine, feed: deployed.markets[ETH].feed, alice, bob, keeper, tokens };
}

describe("ADL fills in detail", () => {
  it("covers the uncovered deficit in one fill at the bankruptcy price, rounded toward the oracle, to the wei", async () => {
    const base = await networkHelpers.loadFixture(protocolFixture);
    const { engine, bob } = base;
    const shortId = await openWithMargin(engine, bob, -size(50), usd(20_000), price(3000));
    const short = await engine.position(shortId);
    // 149 ETH on 45,000: bankrupt at ~2,698, so ~14,600 of deficit against 10,000 of insurance.
    const { tx, p, deficit, uncovered, bankruptcyPrice, whale } = await liquidateBankruptLong(base, size(149), usd(45_000), 2600);
    expect((deficit * DIVISOR) % whale.size).to.not.equal(0n); // the rounding direction of the price matters
    expect(uncovered > 0n).to.equal(true);

    const fills = await fillsOf(engine, tx);
    const haircutPerUnit = bankruptcyPrice - p;
    const closeSize = ref.divCeil(uncovered * DIVISOR, haircutPerUnit);
    expect(closeSize < -short.size).to.equal(true);
    expect(fills.length).to.equal(1);
    expect(fills[0].positionId).to.equal(shortId);
    expect(fills[0].fillPrice).to.equal(bankruptcyPrice);
    expect(fills[0].closedSize).to.equal(closeSize);
    expect(fills[0].haircut).to.equal(uncovered);
    expect(fills[0].remainingDebt).to.equal(0n);
    expect((await engine.marketState(ETH)).shortAdlDebt).to.equal(0n);
  });

  it("caps the last fill's haircut at the deficit when one atom is worth less than the haircut per unit of size", async () => {
    const base = await networkHelpers.loadFixture(eighteenDecimalFixture);
    const m = market(18);
    const shortId = await openWithMargin(base.engine, base.bob, -size(50), base.tokens(20_000), price(3000), m);
    const { tx, p, uncovered, bankruptcyPrice } = await liquidateBankruptLong(base, size(149), base.tokens(45_000), 2600, m);
    expect(uncovered > 0n).to.equal(true);

    const fills = await fillsOf(base.engine, tx);
    const haircutPerUnit = bankruptcyPrice - p;
    const closeSize = ref.divCeil(uncovered * m.divisor, haircutPerUnit);
    // The size is rounded up, so the closed part's haircut exceeds the deficit by some atoms.
    expect((closeSize * haircutPerUnit) / m.divisor > uncovered).to.equal(true);
    expect(fills.length).to.equal(1);
    expect(fills[0].positionId).to.equal(shortId);
    expect(fills[0].closedSize).to.equal(closeSize);
    expect(fills[0].haircut).to.equal(uncovered);
    expect((await base.engine.marketState(ETH)).shortAdlDebt).to.equal(0n);
  });

  it("never haircuts a counterparty beyond its break-even price", async () => {
    const base = await networkHelpers.loadFixture(protocolFixture);
    const { engine, feed, carol } = base;
    // A short opened at $2,620 makes only ~20 per ETH at $2,600, far less than the ~100 per ETH
    // the deficit would take at the bankruptcy price.
    await setPrice(feed, 2620);
    const shortId = await openWithMargin(engine, carol, -size(2), usd(1_000), price(2620));
    const short = await engine.position(shortId);
    const freeBefore = await engine.freeBalance(carol.address);
    const { tx, p, bankruptcyPrice } = await liquidateBankruptLong(base, size(149), usd(45_000), 2600);

    const x = p - (await engine.marketState(ETH)).fundingIndex;
    const unitProfit = short.entryPrice - short.fundingSnapshot - x;
    expect(unitProfit > 0n && unitProfit < bankruptcyPrice - p).to.equal(true);
    const fills = await fillsOf(engine, tx);
    expect(fills.length).to.equal(1);
    expect(fills[0].fillPrice).to.equal(p + unitProfit);
    expect(fills[0].closedSize).to.equal(size(2));
    expect(fills[0].realisedPnl).to.equal(0n);
    // It gets its whole margin back and nothing else; the vault bears the rest of the debt.
    expect((await engine.freeBalance(carol.address)) - freeBefore).to.equal(short.margin);
    await expect(tx).to.emit(engine, "DeficitBorneByVault");
  });

  it("performs exactly eight inline fills and leaves the rest of the debt to deleverage", async () => {
    const base = await networkHelpers.loadFixture(protocolFixture);
    const { engine, lens, token, feed, alice, keeper } = base;
    const shorts = await fundedTraders(token, engine, 10);
    for (const s of shorts) await openHinted(engine, lens, s, -size(3), usd(1_000), price(3000));
    const whaleId = await openHinted(engine, lens, alice, size(150), usd(46_000), price(3000));
    await setPrice(feed, 2600);
    const fills = await fillsOf(engine, await engine.connect(keeper).liquidate(whaleId, 0));
    expect(fills.length).to.equal(8);
    expect((await engine.marketState(ETH)).shortAdlDebt).to.equal(fills[7].remainingDebt);
    expect(fills[7].remainingDebt > 0n).to.equal(true);
  });

  it("releases the filled part's margin in proportion, rounded down, when that keeps the bucket", async () => {
    const base = await networkHelpers.loadFixture(protocolFixture);
    const { engine, bob } = base;
    const shortId = await openWithMargin(engine, bob, -size(4), usd(1_000), price(3000));
    const before = await engine.position(shortId);
    // 30 ETH on 4,600: ~500 owed after the insurance fund, ~1.4 ETH of the short at ~348 per ETH.
    const { tx } = await liquidateBankruptLong(base, size(30), usd(4_600), 2500);
    const [fill] = await fillsOf(engine, tx);
    const after = await engine.position(shortId);
    const absSize = -before.size;
    expect(fill.closedSize > 0n && fill.closedSize < absSize).to.equal(true);
    expect((before.margin * fill.closedSize) % absSize).to.not.equal(0n); // the rounding direction matters
    const released = (before.margin * fill.closedSize) / absSize;
    expect(bucketOf(absSize - fill.closedSize, before.margin - released, DIVISOR)).to.equal(bucketOf(absSize, before.margin, DIVISOR));
    expect(after.margin).to.equal(before.margin - released);
  });

  it("keeps a filled position whose slope sits on its bucket's edge in that bucket, releasing one atom more", async () => {
    const base = await networkHelpers.loadFixture(protocolFixture);
    const { engine, bob } = base;
    // slope = |size| x 1e36 / (divisor x margin) = 2^52 exactly, the lower edge of bucket 416 (~13.5x).
    const margin = usd(1_000);
    const absSize = (bucketEdge(416) * DIVISOR * margin) / 10n ** 36n;
    expect(slopeOf(absSize, margin, DIVISOR)).to.equal(bucketEdge(416));
    const shortId = await openWithMargin(engine, bob, -absSize, margin, price(3000));
    expect(bucketOf(absSize, margin, DIVISOR)).to.equal(416);
    const { tx } = await liquidateBankruptLong(base, size(30), usd(4_600), 2500);
    const [fill] = await fillsOf(engine, tx);
    const after = await engine.position(shortId);
    expect(fill.closedSize > 0n && fill.closedSize < absSize).to.equal(true);
    // In proportion and rounded down, the rest would keep a fraction of an atom too much margin
    // and slip below the edge, into bucket 415.
    const proportional = (margin * fill.closedSize) / absSize;
    expect(bucketOf(absSize - fill.closedSize, margin - proportional, DIVISOR)).to.equal(415);
    expect(after.margin).to.equal(margin - proportional - 1n);
    expect(bucketOf(-after.size, after.margin, DIVISOR)).to.equal(416);
  });

  it("breaks an exact tie of score for the lower position id", async () => {
    const { engine, lens, feed, alice, bob, ids } = await networkHelpers.loadFixture(protocolFixture);
    // Two identical shorts in one block: same price and funding index, hence the same key and bucket.
    await ethers.provider.send("evm_setAutomine", [false]);
    try {
      const deadline = await farDeadline();
      await engine.connect(bob).openPosition(ETH, -size(5), usd(2_000), 0, deadline, 0, { gasLimit: 1_000_000n });
      await engine.connect(alice).openPosition(ETH, -size(5), usd(2_000), 0, deadline, 0, { gasLimit: 1_000_000n });
      await networkHelpers.mine();
    } finally {
      await ethers.provider.send("evm_setAutomine", [true]);
    }
    const [a, b] = [await engine.position(ids.alice), await engine.position(ids.bob)];
    expect(a.size).to.equal(-size(5));
    expect([a.entryPrice - a.fundingSnapshot, a.margin]).to.deep.equal([b.entryPrice - b.fundingSnapshot, b.margin]);
    expect(ids.alice < ids.bob).to.equal(true);

    await setPrice(feed, 2900);
    const x = await currentX(engine, feed);
    const brute = rankSide(await sidePositions(engine, [ids.alice, ids.bob], false), x, DIVISOR);
    expect(brute[0].score).to.equal(brute[1].score);
    const [ranked] = await lens.adlRanking(ETH, false, 2);
    expect([...ranked]).to.deep.equal([ids.alice, ids.bob]);
    expect([...ranked]).to.deep.equal(brute.map((r) => r.position.id));
  });
});
