// A randomized model test of the ADL queue against a brute-force reference: hundreds of positions
// on both sides, random opens, increases, reductions, closes and margin changes, random price and
// funding paths with jumps, and liquidation sweeps whose bankruptcies run ADL. After every few
// steps the on-chain queue must hold exactly the open positions, each in the bucket its slope maps
// to, every bucket sorted and linked consistently, and its ranking at several prices must equal a
// brute-force sort by the published score; every ADL fill must hit the brute-force top.
import { expect } from "chai";
import type { HDNodeWallet } from "ethers";
import { adlScore, bucketOf, keyOf, rankSide, ranksBefore, type RankedPosition } from "../../client/adl.ts";
import { Rng } from "../../backtest/random.ts";
import { predictTrade } from "../../client/predict.ts";
import { DIVISOR, fundedTraders } from "../helpers/adl.ts";
import { ETH, MAX_PRICE, answer, ethers, networkHelpers, protocolFixture, size, usd } from "../helpers/fixture.ts";
import { openPositionsOf } from "../../scripts/lib/positions.ts";
import { depositThroughRequest } from "../../scripts/lib/lpRequests.ts";

const SEED = Number(process.env.ADL_MODEL_SEED ?? 20261125);
const TRADERS = Number(process.env.ADL_MODEL_TRADERS ?? 220);
const STEPS = Number(process.env.ADL_MODEL_STEPS ?? 240);

const BENIGN_REVERTS = [
  "BelowInitialMargin",
  "BelowMaintenanceMargin",
  "OpenInterestCap",
  "NotionalAboveMaxTier",
  "PositionBankrupt",
  "DeleveragePending",
  "InsufficientMargin",
  "InsufficientBalance",
  "InsufficientVaultCash",
];

describe("ADL queue against a brute-force model (randomized)", function () {
  this.timeout(900_000);

  it(`keeps the exact published order and deleverages exactly the brute-force top (seed ${SEED})`, async () => {
    const rng = new Rng(SEED);
    const rand = () => rng.next();
    const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
    const between = (lo: number, hi: number) => lo + rand() * (hi - lo);

    const { engine, lens, token, feed, vault, lp } = await protocolFixture();
    await token.mint(lp.address, usd(50_000_000));
    await depositThroughRequest(ethers.provider, vault.connect(lp), [feed], usd(50_000_000), lp.address);
    const config = await engine.marketConfig(ETH);
    const params = {
      tradingFeeRate: config.tradingFeeRate,
      maxFundingRatePerSecond: config.maxFundingRatePerSecond,
      skewScale: config.skewScale,
      valueDivisor: DIVISOR,
    };
    const traders = await fundedTraders(token, engine, TRADERS, usd(2_000_000));
    const keeper = traders[0];
    const knownIds = new Set<bigint>();
    let priceDollars = 3000;
    const stats = { trades: 0, benignReverts: 0, liquidations: 0, adlFills: 0, verifications: 0, peakPositions: 0 };

    const latest = async () => BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
    const wad = (dollars: number) => ethers.parseUnits(dollars.toFixed(8), 18);
    async function setPrice(dollars: number) {
      priceDollars = Math.min(6000, Math.max(1500, dollars));
      await feed.setAnswer(answer(priceDollars.toFixed(8)));
    }

    /** Sends one trade with the hint predicted for the block it will be mined in. */
    async function trade(trader: HDNodeWallet, kind: "open" | "modify" | "close" | "add" | "remove", amount: bigint) {
      const id = await engine.positionIdOf(trader.address, ETH);
      const pos = await engine.position(id);
      const state = await engine.marketState(ETH);
      const timestamp = (await latest()) + 1n;
      const p = wad(priceDollars);
      let hint = 0n;
      if (kind !== "close") {
        const t =
          kind === "open" || kind === "modify"
            ? { sizeDelta: amount, marginIn: kind === "open" ? usd(Math.round(between(300, 40_000))) : 0n, marginOut: 0n }
            : { sizeDelta: 0n, marginIn: kind === "add" ? amount : 0n, marginOut: kind === "remove" ? amount : 0n };
        const predicted =
          kind === "add"
            ? {
                size: pos.size,
                k: pos.entryPrice - pos.fundingSnapshot,
                bucket: bucketOf(pos.size < 0n ? -pos.size : pos.size, pos.margin + amount, DIVISOR),
              }
            : predictTrade(pos, state, params, t, p, timestamp);
        if (predicted.size !== 0n) hint = await lens.adlInsertHint(ETH, predicted.size > 0n, predicted.bucket, predicted.k, id);
        await networkHelpers.time.setNextBlockTimestamp(timestamp);
        const deadline = timestamp + 600n;
        const bound = (delta: bigint) => (delta > 0n ? MAX_PRICE : 0n);
        const send = {
          open: () => engine.connect(trader).openPosition(ETH, t.sizeDelta, t.marginIn, bound(t.sizeDelta), deadline, hint),
          modify: () => engine.connect(trader).modifyPosition(ETH, t.sizeDelta, bound(t.sizeDelta), deadline, hint),
          add: () => engine.connect(trader).addMargin(ETH, amount, hint),
          remove: () => engine.connect(trader).removeMargin(ETH, amount, deadline, hint),
        }[kind];
        await attempt(send);
      } else {
        await networkHelpers.time.setNextBlockTimestamp(timestamp);
        await attempt(() => engine.connect(trader).closePosition(ETH, pos.size > 0n ? 0n : MAX_PRICE, timestamp + 600n));
      }
      const after = await engine.positionIdOf(trader.address, ETH);
      if (after !== 0n) knownIds.add(after);
    }

    async function attempt(send: () => Promise<unknown>) {
      try {
        await send();
        stats.trades++;
      } catch (error) {
        const name = engine.interface.parseError((error as { data?: string }).data ?? "0x")?.name;
        if (!name || !BENIGN_REVERTS.includes(name)) throw error; // anything else is a real failure
        stats.benignReverts++;
      }
    }

    const openPositions = () => openPositionsOf(engine, knownIds);

    /** Structure and ranking of both queues against the brute force. */
    async function verify() {
      stats.verifications++;
      const positions = await openPositions();
      stats.peakPositions = Math.max(stats.peakPositions, positions.length);
      for (const isLong of [true, false]) {
        const side = positions.filter((p) => p.size > 0n === isLong);
        const expectedBuckets = new Map<number, RankedPosition[]>();
        for (const p of side) {
          const b = bucketOf(p.size < 0n ? -p.size : p.size, p.margin, DIVISOR);
          expectedBuckets.set(b, [...(expectedBuckets.get(b) ?? []), p]);
          const node = await engine.queueNode(p.id);
          expect(node.queued, `position ${p.id} queued`).to.equal(true);
          expect(Number(node.bucket), `position ${p.id} bucket`).to.equal(b);
          expect(node.k).to.equal(keyOf(p));
        }
        const words = await engine.queueBuckets(ETH, isLong);
        for (let b = 0; b < 1024; b++) {
          const set = (words[b >> 8] >> BigInt(b & 255)) & 1n;
          const members = expectedBuckets.get(b) ?? [];
          expect(set, `bucket ${b} bitmap`).to.equal(members.length > 0 ? 1n : 0n);
          if (!set) continue;
          // Walk the list: linked both ways, sorted by (k, id), exactly the expected members.
          const walked: bigint[] = [];
          let prev = 0n;
          for (let id = await engine.queueHead(ETH, isLong, b); id !== 0n;) {
            const node = await engine.queueNode(id);
            expect(node.prev, `prev link of ${id}`).to.equal(prev);
            if (prev !== 0n) {
              const prevNode = await engine.queueNode(prev);
              expect(ranksBefore(prevNode.k, prev, node.k, id, isLong), `order at ${id}`).to.equal(true);
            }
            walked.push(id);
            prev = id;
            id = node.next;
          }
          expect([...walked].sort()).to.deep.equal(members.map((m) => m.id).sort());
        }
        // The ranking at the current price and at random other prices equals the brute force.
        const index = (await engine.marketState(ETH)).fundingIndex;
        for (const x of [wad(priceDollars) - index, wad(between(1000, 8000)) - index, wad(between(1000, 8000)) - index]) {
          const [ids, scores] = await lens.adlRankingAt(ETH, isLong, 10_000, x);
          const brute = rankSide(side, x, DIVISOR);
          expect(ids).to.deep.equal(brute.map((r) => r.position.id));
          expect(scores).to.deep.equal(brute.map((r) => r.score));
        }
      }
    }

    /** Liquidates everything liquidatable; checks every ADL fill against the brute-force top. */
    async function liquidationSweep() {
      const ids = [...knownIds];
      const previews = await lens.previewLiquidationBatch(ids);
      for (const [i, preview] of previews.entries()) {
        if (!preview.liquidatable) continue;
        const fresh = await lens.previewLiquidation(ids[i]);
        if (!fresh.liquidatable) continue;
        const wasLong = (await engine.position(ids[i])).size > 0n;
        const counterparties = (await openPositions()).filter((p) => p.size > 0n !== wasLong);
        const receipt = await (await engine.connect(keeper).liquidate(ids[i], fresh.hint)).wait();
        stats.liquidations++;
        const fills = receipt!.logs
          .map((log) => engine.interface.parseLog(log))
          .filter((e) => e?.name === "AdlFill")
          .map((e) => e!.args.positionId as bigint);
        if (fills.length === 0) continue;
        const x = wad(priceDollars) - (await engine.marketState(ETH)).fundingIndex;
        const brute = rankSide(counterparties, x, DIVISOR).filter((r) => r.score > 0n);
        expect(fills, "ADL hits the brute-force top, in order").to.deep.equal(brute.slice(0, fills.length).map((r) => r.position.id));
        stats.adlFills += fills.length;
      }
    }

    // Build the book: every trader opens, at a drifting price.
    for (const trader of traders) {
      if (rand() < 0.3) await setPrice(priceDollars * between(0.99, 1.01));
      const isLong = rand() < 0.5;
      await trade(trader, "open", (isLong ? 1n : -1n) * size(between(0.2, 25).toFixed(4)));
    }
    await verify();

    for (let step = 1; step <= STEPS; step++) {
      const r = rand();
      const trader = pick(traders);
      const id = await engine.positionIdOf(trader.address, ETH);
      const pos = await engine.position(id);
      if (r < 0.2) await setPrice(priceDollars * between(0.97, 1.03));
      else if (r < 0.25)
        await setPrice(priceDollars * (rand() < 0.5 ? 0.86 : 1.14)); // a jump
      else if (r < 0.33) {
        await networkHelpers.time.increase(Math.floor(between(600, 3 * 86_400)));
        await setPrice(priceDollars); // refresh within the heartbeat
      } else if (pos.size === 0n) await trade(trader, "open", (rand() < 0.5 ? 1n : -1n) * size(between(0.2, 25).toFixed(4)));
      else if (r < 0.45) await trade(trader, "modify", (pos.size * BigInt(Math.floor(between(5, 80)))) / 100n);
      else if (r < 0.57) await trade(trader, "modify", -(pos.size * BigInt(Math.floor(between(5, 95)))) / 100n);
      else if (r < 0.63) await trade(trader, "close", 0n);
      else if (r < 0.75) await trade(trader, "add", usd(Math.round(between(10, 5_000))));
      else if (r < 0.85) await trade(trader, "remove", (pos.margin * BigInt(Math.floor(between(1, 40)))) / 100n);
      else await liquidationSweep();
      if (step % 6 === 0) {
        await liquidationSweep();
        await verify();
      }
    }
    await setPrice(priceDollars * 0.85); // a final crash, so ADL certainly runs
    await liquidationSweep();
    await verify();

    expect(stats.peakPositions).to.be.greaterThanOrEqual(200);
    expect(stats.adlFills).to.be.greaterThan(0);
    expect(stats.liquidations).to.be.greaterThan(0);
    console.log(`      model: ${JSON.stringify(stats)}`);
  });
});
