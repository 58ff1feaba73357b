// Findings of the adversarial review of issue 7, each now a regression test that passes because the
// attack fails, plus the checks of what held.
import { expect } from "chai";
import { bucketOf } from "../../client/adl.ts";
import { ETH, MAX_PRICE, ethers, farDeadline, networkHelpers, price, protocolFixture, setPrice, size, usd } from "../helpers/fixture.ts";
import { DIVISOR, fundedTraders } from "../helpers/adl.ts";

type Engine = Awaited<ReturnType<typeof protocolFixture>>["engine"];

/** INV-style queue check: every open position is queued in the bucket its slope maps to, under its key, and each bucket list is sorted. */
async function checkQueue(engine: Engine, ids: bigint[]) {
  const groups = new Map<string, Set<bigint>>();
  for (const id of ids) {
    const p = await engine.position(id);
    if (p.size === 0n) continue;
    const n = await engine.queueNode(id);
    expect(n.queued, `position ${id} queued`).to.equal(true);
    expect(Number(n.bucket), `position ${id} bucket`).to.equal(bucketOf(p.size < 0n ? -p.size : p.size, p.margin, DIVISOR));
    expect(n.k).to.equal(p.entryPrice - p.fundingSnapshot);
    const key = `${n.isLong}:${n.bucket}`;
    if (!groups.has(key)) groups.set(key, new Set());
    groups.get(key)!.add(id);
  }
  for (const [key, members] of groups) {
    const [side, bucket] = key.split(":");
    const isLong = side === "true";
    let prev: { id: bigint; k: bigint } | undefined;
    let id = BigInt(await engine.queueHead(ETH, isLong, Number(bucket)));
    const seen = new Set<bigint>();
    while (id !== 0n) {
      const n = await engine.queueNode(id);
      if (prev) {
        const ordered = prev.k === n.k ? prev.id < id : isLong ? prev.k < n.k : prev.k > n.k;
        expect(ordered, `bucket ${key} order at ${id}`).to.equal(true);
      }
      seen.add(id);
      prev = { id, k: n.k };
      id = BigInt(n.next);
    }
    for (const m of members) expect(seen.has(m), `position ${m} in its bucket list`).to.equal(true);
  }
}

/** The largest margin that keeps `size` in the bucket `margin` puts it in: its slope on the bucket's lower edge. */
function lowerEdgeMargin(size: bigint, margin: bigint) {
  const bucket = bucketOf(size, margin, DIVISOR);
  let [lo, hi] = [margin, margin * 2n];
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    if (bucketOf(size, mid, DIVISOR) === bucket) lo = mid;
    else hi = mid;
  }
  return lo;
}

describe("adversarial review of the liveness fixes (issue 7)", () => {
  it("HOLDS: liquidateFor cannot be called from outside, so the keeper address cannot be spoofed", async () => {
    const { engine, alice, bob, keeper, feed, ids } = await networkHelpers.loadFixture(protocolFixture);
    await engine.connect(alice).openPosition(ETH, size(10), usd(1_600), MAX_PRICE, await farDeadline(), 0);
    await setPrice(feed, 2_880);
    await expect(engine.connect(bob).liquidateFor(ids.alice, 0, bob.address)).to.be.revertedWithCustomError(engine, "OnlyEngine");
    await expect(engine.connect(keeper).liquidateFor(ids.alice, 0, keeper.address)).to.be.revertedWithCustomError(engine, "OnlyEngine");
  });

  it("pays a bankrupt self-liquidation at most half the margin it lost", async () => {
    const { engine, alice, bob, feed, ids } = await networkHelpers.loadFixture(protocolFixture);
    // Hedged pair at the minimum size (15 USD notional, 20x): before the fix the reward refunded the
    // loser's whole margin from the insurance fund.
    await engine.connect(alice).openPosition(ETH, size("0.005"), 760_000n, MAX_PRICE, await farDeadline(), 0);
    await engine.connect(bob).openPosition(ETH, -size("0.005"), 760_000n, 0, await farDeadline(), 0);
    const margin = (await engine.position(ids.alice)).margin;
    await setPrice(feed, 2_800); // loss 1.00 USD on ~0.75 margin: bankrupt
    const freeBefore = await engine.freeBalance(alice.address);
    await engine.connect(alice).liquidate(ids.alice, 0);
    const reward = (await engine.freeBalance(alice.address)) - freeBefore;
    expect(reward).to.equal(margin / 2n); // min(1 USD + 0.1% of notional, margin / 2)
    expect(reward - margin < 0n).to.equal(true); // liquidating yourself loses at least half the margin
  });

  it("keeps a bankrupt liquidation when a later batch entry is made to burn its gas (stale hint into a stuffed bucket)", async () => {
    const { engine, lens, token, alice, bob, carol, keeper, feed, ids } = await networkHelpers.loadFixture(protocolFixture);
    const N = 120;
    await engine.connect(bob).openPosition(ETH, -size(20), usd(40_000), 0, await farDeadline(), 0);
    const [whale] = await fundedTraders(token, engine, 1, usd(10_000));
    await setPrice(feed, 3_200);
    await engine.connect(whale).openPosition(ETH, size(10), usd(1_650), MAX_PRICE, await farDeadline(), 0);
    const whaleId = await engine.positionIdOf(whale.address, ETH);
    await setPrice(feed, 3_000);
    await engine.connect(alice).openPosition(ETH, size(10), usd(1_600), MAX_PRICE, await farDeadline(), 0);
    await engine.connect(carol).openPosition(ETH, size(10), usd(1_700), MAX_PRICE, await farDeadline(), 0);
    await setPrice(feed, 2_880);
    const pv = await lens.previewLiquidation(ids.alice);
    expect(pv.liquidatable && !pv.full).to.equal(true);
    const b = Number(pv.bucketAfter);
    // Stuff alice's landing bucket with N min-size positions (lower key: they rank ahead of her).
    const s = size("0.004");
    const fee = (s * price(2880) + DIVISOR - 1n) / DIVISOR / 2000n + 1n;
    let m = (s * pv.marginAfter) / (pv.sizeAfter < 0n ? -pv.sizeAfter : pv.sizeAfter);
    while (bucketOf(s, m, DIVISOR) > b) m += 1n;
    while (bucketOf(s, m, DIVISOR) < b) m -= 1n;
    const stuffers = await fundedTraders(token, engine, N, usd(100));
    for (const w of stuffers) await engine.connect(w).openPosition(ETH, s, m + fee, MAX_PRICE, await farDeadline(), 0);
    console.log(
      `      ${N} stuffers in bucket ${b}, each ${ethers.formatUnits(m, 6)} USD margin (total ${ethers.formatUnits(m * BigInt(N), 6)})`,
    );
    const fresh = await lens.previewLiquidation(ids.alice);
    const gasExact = await engine.connect(keeper).liquidate.estimateGas(ids.alice, fresh.hint);
    const gasZero = await engine.connect(keeper).liquidate.estimateGas(ids.alice, 0);
    console.log(`      liquidate hint exact ${gasExact}, hint 0 ${gasZero}: ${(gasZero - gasExact) / BigInt(N)} gas per place walked`);
    const carolHint = (await lens.previewLiquidation(ids.carol)).hint;
    const batchIds = [whaleId, ids.alice, ids.carol];
    const estimate = await engine.connect(keeper).liquidateBatch.estimateGas(batchIds, [0, fresh.hint, carolHint]);
    const gasLimit = (estimate * 125n) / 100n; // keeper/sender.ts headroom
    // Between estimate and inclusion alice's hinted neighbour leaves the bucket: her walk starts at the head.
    for (const w of stuffers) {
      if ((await engine.positionIdOf(w.address, ETH)) === BigInt(fresh.hint)) {
        await engine.connect(w).closePosition(ETH, 0, await farDeadline());
      }
    }
    let reverted = false;
    try {
      const tx = await engine.connect(keeper).liquidateBatch(batchIds, [0, fresh.hint, carolHint], { gasLimit });
      const r = await tx.wait();
      reverted = r?.status !== 1;
    } catch {
      reverted = true;
    }
    console.log(`      batch estimate ${estimate}, sent with ${gasLimit}: reverted=${reverted}`);
    // Before the fix the whole batch reverted and the bankrupt whale stayed open.
    expect(reverted).to.equal(false);
    expect((await engine.position(whaleId)).size).to.equal(0n);
    // Whatever the batch could not finish, a plain hint-0 liquidation does.
    for (const id of [ids.alice, ids.carol]) {
      if ((await lens.previewLiquidation(id)).liquidatable) await engine.connect(keeper).liquidate(id, 0);
    }
    expect((await lens.previewLiquidation(ids.alice)).liquidatable).to.equal(false);
    const stufferIds = await Promise.all(stuffers.map((w) => engine.positionIdOf(w.address, ETH)));
    await checkQueue(engine, [...stufferIds, ids.alice, ids.bob, ids.carol]);
  });

  it("closes a pool-mode deleverage's remainder too when it would fall below the minimum size", async () => {
    const { engine, lens, alice, bob, keeper, feed, ids } = await networkHelpers.loadFixture(protocolFixture);
    await engine.connect(alice).openPosition(ETH, size("0.01"), usd(2), MAX_PRICE, await farDeadline(), 0);
    await engine.connect(bob).openPosition(ETH, size(150), usd(60_000), MAX_PRICE, await farDeadline(), 0);
    await setPrice(feed, 7_000);
    const [[top]] = await lens.adlRanking(ETH, true, 1);
    expect(top).to.equal(ids.alice);
    const aliceSize = (await engine.position(ids.alice)).size;
    // Before the fix this left 1 wei of size behind (7e-15 USD against a 10 USD minimum).
    await engine.connect(keeper).deleverage(ETH, true, 1, aliceSize - 1n, 0);
    expect((await engine.position(ids.alice)).size).to.equal(0n);
    await checkQueue(engine, [ids.alice, ids.bob]);
  });

  it("makes progress after a 1-atom addMargin drops a bucket-edge position behind another (no list to front-run)", async () => {
    const { engine, lens, token, bob, carol, keeper, feed, ids } = await networkHelpers.loadFixture(protocolFixture);
    const s = size("0.005");
    // A sits exactly on the lower edge of bucket b (the largest margin still in b); B in bucket b-1 with a lower key.
    const b = bucketOf(s, 1_000_000n, DIVISOR);
    const edgeMargin = lowerEdgeMargin(s, 1_000_000n);
    const marginB = (edgeMargin * 105n) / 100n;
    expect(bucketOf(s, marginB, DIVISOR)).to.equal(b - 1);
    const smalls = await fundedTraders(token, engine, 8, usd(100));
    const [attackerA, attackerB] = await fundedTraders(token, engine, 2, usd(100));
    await setPrice(feed, 2_950);
    for (const w of smalls) await engine.connect(w).openPosition(ETH, s, 760_000n, MAX_PRICE, await farDeadline(), 0);
    await setPrice(feed, 2_990);
    await engine.connect(attackerB).openPosition(ETH, s, marginB + 10_000n, MAX_PRICE, await farDeadline(), 0);
    await setPrice(feed, 3_000);
    await engine.connect(attackerA).openPosition(ETH, s, edgeMargin, MAX_PRICE, await farDeadline(), 0);
    const idA = await engine.positionIdOf(attackerA.address, ETH);
    const idB = await engine.positionIdOf(attackerB.address, ETH);
    await engine.connect(attackerA).addMargin(ETH, edgeMargin - (await engine.position(idA)).margin, 0);
    expect((await engine.position(idA)).margin).to.equal(edgeMargin);
    await engine.connect(bob).openPosition(ETH, size(20), usd(10_000), MAX_PRICE, await farDeadline(), 0);
    await engine.connect(carol).openPosition(ETH, -size(60), usd(18_100), 0, await farDeadline(), 0);
    await setPrice(feed, 3_600); // carol's deficit ~18k > 10k fund: the longs owe ADL debt
    await engine.connect(keeper).liquidate(ids.carol, 0); // 8 inline fills take the smalls
    expect((await engine.marketState(ETH)).longAdlDebt > 0n).to.equal(true);
    const [ranked] = await lens.adlRanking(ETH, true, 32);
    expect(ranked.slice(0, 2)).to.deep.equal([idA, idB]);
    // Front-run: one atom of margin drops A into bucket b-1, behind B. Before the fix the keeper's
    // call, naming the list it had read, reverted NotTopRanked and the side stayed frozen.
    await engine.connect(attackerA).addMargin(ETH, 1n, 0);
    const all = [...(await Promise.all(smalls.map((w) => engine.positionIdOf(w.address, ETH)))), idA, idB, ids.bob, ids.carol];
    await checkQueue(engine, all);
    const debtBefore = (await engine.marketState(ETH)).longAdlDebt;
    const [now] = await lens.adlRanking(ETH, true, 32);
    expect(now[0]).to.equal(idB); // the order moved under the keeper
    const tx = await engine.connect(keeper).deleverage(ETH, true, 32, 0, 0);
    const fills = (await tx.wait())!.logs.flatMap((l) => {
      const parsed = engine.interface.parseLog(l);
      return parsed?.name === "AdlFill" ? [parsed.args.positionId as bigint] : [];
    });
    expect(fills[0]).to.equal(idB); // the on-chain top, not the stale list's
    expect((await engine.marketState(ETH)).longAdlDebt).to.be.lessThan(debtBefore);
    await checkQueue(engine, all);
  });

  it("HOLDS: eth_estimateGas (EDR) sizes a try/catch batch for all its entries", async () => {
    const { engine, token, keeper, feed } = await networkHelpers.loadFixture(protocolFixture);
    const traders = await fundedTraders(token, engine, 4, usd(10_000));
    for (const w of traders) await engine.connect(w).openPosition(ETH, size(10), usd(1_650), MAX_PRICE, await farDeadline(), 0);
    await setPrice(feed, 2_870);
    const batch = await Promise.all(traders.map((w) => engine.positionIdOf(w.address, ETH)));
    const estimate = await engine.connect(keeper).liquidateBatch.estimateGas(batch, []);
    const done = await engine.connect(keeper).liquidateBatch.staticCall(batch, [], { gasLimit: estimate });
    const full = await engine.connect(keeper).liquidateBatch.staticCall(batch, []);
    console.log(`      estimate ${estimate}: ${done} of ${full} entries liquidated at exactly the estimate`);
    expect(done).to.equal(full);
  });
  it("HOLDS: partial ADL fills of a position on its bucket's lower edge keep its bucket and the queue sorted, never releasing more than its margin", async () => {
    const { engine, lens, alice, bob, carol, keeper, feed, ids } = await networkHelpers.loadFixture(protocolFixture);
    const s = size("0.01");
    const b = bucketOf(s, 1_600_000n, DIVISOR);
    const lo = lowerEdgeMargin(s, 1_600_000n);
    await engine.connect(alice).openPosition(ETH, s, 1_600_000n, MAX_PRICE, await farDeadline(), 0);
    await engine.connect(alice).addMargin(ETH, lo - (await engine.position(ids.alice)).margin, 0);
    await engine.connect(carol).openPosition(ETH, size("0.02"), 6_000_000n, MAX_PRICE, await farDeadline(), 0);
    await engine.connect(bob).openPosition(ETH, size(150), usd(60_000), MAX_PRICE, await farDeadline(), 0);
    await setPrice(feed, 7_000);
    const [[top]] = await lens.adlRanking(ETH, true, 1);
    expect(top).to.equal(ids.alice);
    for (const closeSize of [1n, 7n, s / 3n, s / 2n, (s * 7n) / 10n + 12_345n, s - 1_000_000n, s - 3n]) {
      const snap = await networkHelpers.takeSnapshot();
      const before = await engine.position(ids.alice);
      await engine.connect(keeper).deleverage(ETH, true, 1, closeSize, 0);
      const after = await engine.position(ids.alice);
      // A remainder below the minimum size is closed with the rest.
      const remainder = before.size - closeSize;
      expect(after.size).to.equal(remainder * 7_000n < usd(10) * 10n ** 12n ? 0n : remainder);
      expect(after.margin <= before.margin).to.equal(true);
      const moved = Number((await engine.queueNode(ids.alice)).bucket) !== b;
      if (moved) console.log(`      closeSize ${closeSize}: remainder size ${after.size} margin ${after.margin} left bucket ${b}`);
      if (after.margin > 1_000n) expect(moved).to.equal(false);
      await checkQueue(engine, [ids.alice, ids.bob, ids.carol]);
      await snap.restore();
    }
  });
});
