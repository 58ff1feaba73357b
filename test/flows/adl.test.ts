import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";
import { expect } from "chai";
import { adlQuantile, bucketOf, releasedMargin } from "../../client/adl.ts";
import { defaultMarketConfig } from "../../scripts/lib/marketConfig.ts";
import { DIVISOR, bruteForceRanking, currentX, fundedTraders, keyOf, openHinted, sidePositions } from "../helpers/adl.ts";
import { ETH, MAX_PRICE, ethers, farDeadline, networkHelpers, price, protocolFixture, setPrice, size, usd } from "../helpers/fixture.ts";
import * as ref from "../../client/math.ts";

const params = defaultMarketConfig(ethers.ZeroAddress, 6);

/** What a bankrupt liquidation leaves to ADL: its deficit plus its keeper's reward, beyond the fund. */
function uncoveredOf(whale: ref.RefPosition, at: bigint, index: bigint, insurance: bigint) {
  const deficit = -ref.equity(whale, at, index, DIVISOR);
  const notional = ref.notionalUp(whale.size, at, DIVISOR);
  return { deficit, uncovered: ref.bankruptShortfall(params, notional, whale.margin, deficit, insurance).uncovered };
}

const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

/** Parses the AdlFill events of a receipt, in order. */
async function fillsOf(engine: Awaited<ReturnType<typeof protocolFixture>>["engine"], tx: { wait(): Promise<unknown> }) {
  const receipt = (await tx.wait()) as { logs: Parameters<typeof engine.interface.parseLog>[0][] };
  return receipt.logs
    .map((log) => engine.interface.parseLog(log))
    .filter((e) => e?.name === "AdlFill")
    .map(
      (e) =>
        e!.args.toObject() as {
          positionId: bigint;
          closedSize: bigint;
          fillPrice: bigint;
          realisedPnl: bigint;
          haircut: bigint;
          remainingDebt: bigint;
        },
    );
}

describe("auto-deleveraging", () => {
  /** Eight shorts at different entries and leverage, and a 150 ETH long whale at $3,000. */
  async function bankruptcyFixture() {
    const base = await protocolFixture();
    const { engine, lens, token, feed, alice } = base;
    const shorts = await fundedTraders(token, engine, 8);
    const plan: [number, number, number][] = [
      [3100, 5, 3_000],
      [3100, 10, 2_500],
      [3000, 8, 12_000],
      [3000, 3, 700],
      [2950, 12, 4_000],
      [2950, 6, 6_000],
      [3050, 4, 1_200],
      [3050, 20, 9_000],
    ];
    const shortIds: bigint[] = [];
    for (const [i, [at, eth, margin]] of plan.entries()) {
      await setPrice(feed, at);
      shortIds.push(await openHinted(engine, lens, shorts[i], -size(eth), usd(margin), price(at)));
    }
    await setPrice(feed, 3000);
    const whaleId = await openHinted(engine, lens, alice, size(150), usd(46_000), price(3000));
    return { ...base, shorts, shortIds, whaleId };
  }

  describe("bankruptcy ADL", () => {
    it("fills exactly the brute-force top-ranked shorts at the bankruptcy price, haircuts summing to the uncovered deficit", async () => {
      const { engine, feed, keeper, shortIds, whaleId } = await networkHelpers.loadFixture(bankruptcyFixture);
      await setPrice(feed, 2600);
      const whale = await engine.position(whaleId);
      const before = await sidePositions(engine, shortIds, false);
      const freeBefore = new Map(
        await Promise.all(before.map(async (p) => [p.id, await engine.freeBalance((await engine.position(p.id)).account)] as const)),
      );
      const insuranceBefore = await engine.insuranceFund();

      const tx = await engine.connect(keeper).liquidate(whaleId, 0);
      const fills = await fillsOf(engine, tx);

      // Independent recomputation of the deficit, the bankruptcy price and every fill.
      const index = (await engine.marketState(ETH)).fundingIndex;
      const p = price(2600);
      const x = p - index;
      const { deficit, uncovered } = uncoveredOf(whale, p, index, insuranceBefore);
      expect(uncovered > usd(3_000)).to.equal(true);
      // Where the whale's equity is zero: its entry (funding-adjusted) less its margin per unit.
      const bankruptcyPrice = whale.entryPrice + (index - whale.fundingSnapshot) - (whale.margin * DIVISOR) / whale.size;
      expect(ref.equity(whale, bankruptcyPrice, index, DIVISOR) >= 0n).to.equal(true);
      expect(deficit > 0n).to.equal(true);
      const ranking = bruteForceRanking(before, x);
      expect(fills.map((f) => f.positionId)).to.deep.equal(ranking.slice(0, fills.length).map((r) => r.position.id));

      let remaining = uncovered;
      for (const [i, fill] of fills.entries()) {
        const position = ranking[i].position;
        expect(ranking[i].score > 0n).to.equal(true);
        const unitProfit = keyOf(position) - x;
        const haircutPerUnit = ref.min(bankruptcyPrice - p, unitProfit);
        const absSize = -position.size;
        const closeSize = ref.min(absSize, ceilDiv(remaining * DIVISOR, haircutPerUnit));
        const haircut = ref.min(remaining, (closeSize * haircutPerUnit) / DIVISOR);
        const value = (closeSize * unitProfit) / DIVISOR;
        remaining -= haircut;
        expect(fill.closedSize).to.equal(closeSize);
        expect(fill.haircut).to.equal(haircut);
        expect(fill.realisedPnl).to.equal(value - haircut);
        expect(fill.realisedPnl >= 0n).to.equal(true); // only profit is haircut
        expect(fill.fillPrice).to.equal(p + haircutPerUnit);
        expect(fill.remainingDebt).to.equal(remaining);
        // The counterparty got the margin behind the closed part back, plus its profit after the haircut.
        const released = releasedMargin(position.margin, closeSize, absSize, DIVISOR);
        const account = (await engine.position(position.id)).account;
        const owner = account === ethers.ZeroAddress ? null : account;
        if (owner) expect((await engine.freeBalance(owner)) - freeBefore.get(position.id)!).to.equal(released + value - haircut);
      }
      expect(remaining).to.equal(0n); // the haircuts sum to the uncovered deficit to the wei
      const state = await engine.marketState(ETH);
      expect(state.shortAdlDebt).to.equal(0n);
      expect(state.shortAdlPending).to.equal(false);
    });

    it("leaves the rest to deleverage when it needs more than the inline fills, and blocks profit-taking meanwhile", async () => {
      const base = await networkHelpers.loadFixture(protocolFixture);
      const { engine, lens, token, feed, alice, keeper } = base;
      // Twenty 3 ETH shorts: at the bankruptcy price each covers ~280 of the ~4,200 owed, so the
      // eight inline fills leave the rest to deleverage.
      const shorts = await fundedTraders(token, engine, 20);
      const ids: bigint[] = [];
      for (const s of shorts) ids.push(await openHinted(engine, lens, s, -size(3), usd(1_000), price(3000)));
      const whaleId = await openHinted(engine, lens, alice, size(150), usd(46_000), price(3000));
      await setPrice(feed, 2600);
      await engine.connect(keeper).liquidate(whaleId, 0);

      const debt = (await engine.marketState(ETH)).shortAdlDebt;
      expect(debt > 0n).to.equal(true);
      const x = await currentX(engine, feed);
      const ranking = bruteForceRanking(await sidePositions(engine, ids, false), x).map((r) => r.position.id);
      const lastInLine = shorts[ids.indexOf(ranking.at(-1)!)];
      await expect(engine.connect(lastInLine).closePosition(ETH, MAX_PRICE, await farDeadline()))
        .to.be.revertedWithCustomError(engine, "DeleveragePending")
        .withArgs(ETH, false, debt);
      await expect(engine.connect(keeper).deleverage(ETH, false, 1, 7n, 0)).to.be.revertedWithCustomError(
        engine,
        "CloseSizeInBankruptcyMode",
      );
      await expect(engine.connect(keeper).deleverage(ETH, false, 0, 0, 0)).to.be.revertedWithCustomError(engine, "NoDeleverageProgress");

      // Nobody names counterparties: each fill takes the queue's top, found on-chain.
      const tx = await engine.connect(keeper).deleverage(ETH, false, ranking.length, 0, 0);
      const fills = await fillsOf(engine, tx);
      expect(fills.map((f) => f.positionId)).to.deep.equal(ranking.slice(0, fills.length));
      expect(fills.reduce((sum, f) => sum + f.haircut, 0n)).to.equal(debt);
      expect((await engine.marketState(ETH)).shortAdlDebt).to.equal(0n);
      await expect(engine.connect(keeper).deleverage(ETH, false, ranking.length, 0, 0)).to.be.revertedWithCustomError(
        engine,
        "NothingToDeleverage",
      );
    });

    it("lets the vault bear the rest, with an event, when no profitable counterparty remains", async () => {
      const { engine, lens, feed, alice, bob, keeper } = await networkHelpers.loadFixture(protocolFixture);
      await setPrice(feed, 2000);
      await openHinted(engine, lens, bob, -size(1), usd(1_000), price(2000)); // a short that will be losing
      await setPrice(feed, 3000);
      const whaleId = await openHinted(engine, lens, alice, size(150), usd(46_000), price(3000));
      await setPrice(feed, 2600);
      const insurance = await engine.insuranceFund();
      const whale = await engine.position(whaleId);
      const tx = await engine.connect(keeper).liquidate(whaleId, 0);
      const index = (await engine.marketState(ETH)).fundingIndex;
      const { uncovered } = uncoveredOf(whale, price(2600), index, insurance);
      await expect(tx).to.emit(engine, "DeficitBorneByVault").withArgs(ETH, false, uncovered);
      await expect(tx).to.not.emit(engine, "AdlFill");
      expect((await engine.marketState(ETH)).shortAdlDebt).to.equal(0n);
    });
  });

  describe("pool-protection ADL", () => {
    async function poolFixture() {
      const base = await protocolFixture();
      const { engine, lens, token, feed, owner, markets } = base;
      const config = defaultMarketConfig(await markets[ETH].oracle.getAddress(), 6);
      config.maxPnlFactor = 10n ** 17n; // 10%
      config.targetPnlFactor = 8n * 10n ** 16n; // 8%
      await engine.connect(owner).updateMarket(ETH, config);
      const longs = await fundedTraders(token, engine, 7);
      const plan: [number, number, number][] = [
        [2950, 100, 40_000],
        [3000, 80, 26_000],
        [3050, 120, 60_000],
        [3000, 60, 19_000],
        [2980, 90, 30_000],
        [3020, 50, 16_000],
      ];
      const longIds: bigint[] = [];
      for (const [i, [at, eth, margin]] of plan.entries()) {
        await setPrice(feed, at);
        longIds.push(await openHinted(engine, lens, longs[i], size(eth), usd(margin), price(at)));
      }
      await setPrice(feed, 3400);
      const losingLong = await openHinted(engine, lens, longs[6], size(1), usd(1_000), price(3400));
      await setPrice(feed, 3300);
      return { ...base, longIds, losingLong, target: config.targetPnlFactor, max: config.maxPnlFactor };
    }

    it("rejects a deleverage when the factor is fine, and never hits an unprofitable position", async () => {
      const { engine, feed, keeper, longIds, losingLong, bob, lens } = await networkHelpers.loadFixture(poolFixture);
      await openHinted(engine, lens, bob, -size(1), usd(1_000), price(3300));
      expect((await engine.pnlFactor(ETH, true)) > 10n ** 17n).to.equal(true);
      await expect(engine.connect(keeper).deleverage(ETH, false, 5, 0, 0))
        .to.be.revertedWithCustomError(engine, "NothingToDeleverage")
        .withArgs(ETH, false, anyValue, 10n ** 17n);
      // Asked for more fills than there are profitable longs, it stops at the last profitable one.
      const x = await currentX(engine, feed);
      const profitable = bruteForceRanking(await sidePositions(engine, longIds, true), x).filter((r) => r.score > 0n);
      const tx = await engine.connect(keeper).deleverage(ETH, true, longIds.length + 5, 0, 0);
      const fills = await fillsOf(engine, tx);
      expect(fills.map((f) => f.positionId)).to.deep.equal(profitable.slice(0, fills.length).map((r) => r.position.id));
      expect(fills.some((f) => f.positionId === losingLong)).to.equal(false);
    });

    it("reduces the top-ranked longs at the oracle price until the factor is back at the target, and no lower", async () => {
      const { engine, feed, keeper, longIds, target } = await networkHelpers.loadFixture(poolFixture);
      const x = await currentX(engine, feed);
      const ranking = bruteForceRanking(await sidePositions(engine, longIds, true), x).map((r) => r.position.id);
      const tx = await engine.connect(keeper).deleverage(ETH, true, ranking.length, 0, 0);
      const fills = await fillsOf(engine, tx);
      expect(fills.length > 0).to.equal(true);
      expect(fills.map((f) => f.positionId)).to.deep.equal(ranking.slice(0, fills.length));
      for (const f of fills) {
        expect(f.haircut).to.equal(0n);
        expect(f.fillPrice).to.equal(price(3300));
      }
      const factor = await engine.pnlFactor(ETH, true);
      expect(factor <= target).to.equal(true);
      expect(factor >= target - 10n ** 12n).to.equal(true);
    });

    it("rejects an explicit size that over-corrects, and changes nothing", async () => {
      const { engine, feed, keeper, longIds } = await networkHelpers.loadFixture(poolFixture);
      const x = await currentX(engine, feed);
      const ranking = bruteForceRanking(await sidePositions(engine, longIds, true), x).map((r) => r.position.id);
      const factorBefore = await engine.pnlFactor(ETH, true);
      await expect(engine.connect(keeper).deleverage(ETH, true, ranking.length, size(400), 0)).to.be.revertedWithCustomError(
        engine,
        "PnlOvercorrected",
      );
      expect(await engine.pnlFactor(ETH, true)).to.equal(factorBefore);
    });
  });

  describe("queue hints and views", () => {
    it("places a newcomer hinted far from its place (or not at all) by walking, and never corrupts the order", async () => {
      const { engine, lens, token, feed } = await networkHelpers.loadFixture(protocolFixture);
      const traders = await fundedTraders(token, engine, 20);
      // Eighteen longs with the same leverage share one bucket, entries rising so each joins the tail.
      const ids: bigint[] = [];
      for (let i = 0; i < 18; i++) {
        await setPrice(feed, 3000 + i);
        ids.push(await openHinted(engine, lens, traders[i], size(1), usd(600), price(3000 + i)));
      }
      const node = await engine.queueNode(ids[17]);
      expect(node.bucket).to.equal((await engine.queueNode(ids[0])).bucket);
      // A newcomer belonging at the tail, hinted at the head (0): 18 places away. The walk costs
      // gas, never a revert.
      await setPrice(feed, 3100);
      const deadline = await farDeadline();
      await engine.connect(traders[18]).openPosition(ETH, size(1), usd(600), MAX_PRICE, deadline, 0);
      const newcomer = await engine.positionIdOf(traders[18].address, ETH);
      expect((await engine.queueNode(ids[17])).next).to.equal(newcomer);
      // A stale hint a few places off is corrected by the walk from it.
      await setPrice(feed, 3101);
      await engine.connect(traders[19]).openPosition(ETH, size(1), usd(600), MAX_PRICE, deadline, ids[14]);
      expect((await engine.queueNode(newcomer)).next).to.equal(await engine.positionIdOf(traders[19].address, ETH));
      // Walking the bucket gives strictly ascending keys (ties by id).
      let prevK: bigint | null = null;
      for (let id = await engine.queueHead(ETH, true, node.bucket); id !== 0n; id = (await engine.queueNode(id)).next) {
        const k = (await engine.queueNode(id)).k;
        if (prevK !== null) expect(k >= prevK).to.equal(true);
        prevK = k;
      }
    });

    it("reports bucket, score, rank and quantile as the brute-force ranking does", async () => {
      const { engine, lens, token, feed, bob } = await networkHelpers.loadFixture(protocolFixture);
      const traders = await fundedTraders(token, engine, 10);
      const ids: bigint[] = [];
      let totalLong = 0n;
      for (const [i, t] of traders.entries()) {
        await setPrice(feed, 2900 + 25 * i);
        totalLong += size(1 + (i % 4));
        ids.push(await openHinted(engine, lens, t, size(1 + (i % 4)), usd(400 + 150 * i), price(2900 + 25 * i)));
      }
      // A matching short balances the book, so funding stands still while the views are read.
      await openHinted(engine, lens, bob, -totalLong, usd(20_000), price(3125));
      await setPrice(feed, 3200);
      const x = await currentX(engine, feed);
      const ranking = bruteForceRanking(await sidePositions(engine, ids, true), x);
      for (const [i, r] of ranking.entries()) {
        const view = await lens.positionAdl(r.position.id);
        expect(view.bucket).to.equal(BigInt(r.bucket));
        expect(view.bucket).to.equal(BigInt(bucketOf(r.position.size, r.position.margin, DIVISOR)));
        expect(view.score).to.equal(r.score);
        expect(view.rank).to.equal(BigInt(i + 1));
        expect(view.sideCount).to.equal(10n);
        expect(view.quantile).to.equal(BigInt(adlQuantile(i + 1, 10)));
      }
      const [onChain] = await lens.adlRanking(ETH, true, 100);
      expect(onChain).to.deep.equal(ranking.map((r) => r.position.id));
      const [top] = await engine.adlTop(ETH, true);
      expect(top).to.equal(ranking[0].position.id);
    });

    it("reports the market's ADL state", async () => {
      const { engine, lens } = await networkHelpers.loadFixture(protocolFixture);
      const state = await lens.marketAdlState(ETH);
      expect(state.insuranceFund).to.equal(await engine.insuranceFund());
      expect(state.longAdlDebt).to.equal(0n);
      expect(state.maxPnlFactor).to.equal(defaultMarketConfig(ethers.ZeroAddress, 6).maxPnlFactor);
      expect(state.targetPnlFactor).to.equal(defaultMarketConfig(ethers.ZeroAddress, 6).targetPnlFactor);
    });
  });
});
