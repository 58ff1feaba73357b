// Issue 7, attack 3: front-running a hint. A keeper or trader computes the exact queue hint; before
// its transaction lands, an addMargin (never paused, reads no price) moves the hinted neighbour to
// another bucket, or an attacker stuffs the bucket. Before the fix the stale hint reverted
// InvalidHint; now it costs gas only. These tests check the call succeeds and lands in the right
// place, and measure that gas with 1,000 attacker positions in the target bucket.
import { expect } from "chai";
import { bucketOf } from "../../client/adl.ts";
import * as ref from "../../client/math.ts";
import { defaultMarketConfig } from "../../scripts/lib/marketConfig.ts";
import { DIVISOR, fundedTraders } from "../helpers/adl.ts";
import { crowdOpen } from "../helpers/crowd.ts";
import { eventsOf } from "../helpers/events.ts";
import { ETH, MAX_PRICE, ethers, farDeadline, networkHelpers, price, protocolFixture, setPrice, size, usd } from "../helpers/fixture.ts";
import { bucketMembers, marginForBucket } from "../helpers/queue.ts";

const params = defaultMarketConfig(ethers.ZeroAddress, 6);
const openFee = (absSize: bigint, at: bigint) => ref.mulWadUp(ref.notionalUp(absSize, at, DIVISOR), params.tradingFeeRate);
const ATTACKERS = Number(process.env.LIVENESS_ATTACKERS ?? 1000);
/** Measured 4,920-4,990 gas per place (at 100 and 1,000 attackers): the bound leaves ~4% room. */
const PER_PLACE_GAS_BOUND = 5_200n;
const MIN_SIZE = size("0.0035"); // $10.22 at $2,920: the smallest position the $10 minimum allows

/** Alice's 30 ETH long (book balanced by bob's short) that a fall to $2,920 makes partially liquidatable. */
async function partialLiquidationFixture() {
  const base = await protocolFixture();
  const { engine, feed, alice, bob } = base;
  await engine.connect(bob).openPosition(ETH, -size(30), usd(20_000), 0, await farDeadline(), 0);
  await engine.connect(alice).openPosition(ETH, size(30), usd(4_600), MAX_PRICE, await farDeadline(), 0);
  await setPrice(feed, 2_920);
  return base;
}

/** Opens `count` longs into `bucket` at the current price, each from its own funded trader. */
async function openIntoBucket(base: Awaited<ReturnType<typeof protocolFixture>>, count: number, bucket: number, at: bigint) {
  const traders = await fundedTraders(base.token, base.engine, count);
  const margin = marginForBucket(size(1), bucket);
  for (const t of traders)
    await base.engine.connect(t).openPosition(ETH, size(1), margin + openFee(size(1), at), MAX_PRICE, await farDeadline(), 0);
  return traders;
}

describe("liveness: front-run hints", () => {
  it("liquidates with the keeper's exact hint after the hinted neighbour was moved to another bucket", async () => {
    const base = await networkHelpers.loadFixture(partialLiquidationFixture);
    const { engine, lens, keeper, ids } = base;
    const first = await lens.previewLiquidation(ids.alice);
    expect(first.liquidatable && !first.full).to.equal(true);
    // Three longs entered at the lower price rank ahead of alice in the bucket she is cut into.
    const neighbours = await openIntoBucket(base, 3, Number(first.bucketAfter), price(2920));
    const preview = await lens.previewLiquidation(ids.alice);
    expect(preview.bucketAfter).to.equal(first.bucketAfter);
    const bucket = Number(preview.bucketAfter);
    const queued = await bucketMembers(engine, true, bucket);
    expect(queued.length).to.equal(3);
    expect(preview.hint).to.equal(queued[2]); // the keeper's exact hint: the last of them

    // The front-runner: the hinted neighbour adds margin and leaves the bucket.
    const hinted = await engine.position(preview.hint);
    const frontRunner = neighbours.find((n) => n.address === hinted.account)!;
    await engine.connect(frontRunner).addMargin(ETH, usd(1_000), 0);
    expect((await engine.queueNode(preview.hint)).bucket < BigInt(bucket)).to.equal(true);

    const receipt = await (await engine.connect(keeper).liquidate(ids.alice, preview.hint)).wait();
    const [liquidated] = eventsOf(engine, receipt, "Liquidated");
    const after = await engine.position(ids.alice);
    expect(liquidated.closedSize > 0n && after.size > 0n).to.equal(true); // a partial cut
    expect(after.size).to.equal(size(30) - liquidated.closedSize);
    // She sits in the bucket her slope maps to, right behind the two neighbours still there.
    const members = await bucketMembers(engine, true, bucketOf(after.size, after.margin, DIVISOR));
    expect(members).to.deep.equal([queued[0], queued[1], ids.alice]);
  });

  it("opens with a trader's exact hint after the hinted neighbour was moved to another bucket", async () => {
    const base = await networkHelpers.loadFixture(protocolFixture);
    const { engine, lens, feed, carol, ids } = base;
    const bucket = bucketOf(size(1), usd(300), DIVISOR); // ~10x
    const margin = marginForBucket(size(1), bucket);
    const traders = [];
    for (const at of [3000, 3001, 3002]) {
      await setPrice(feed, at);
      traders.push(...(await openIntoBucket(base, 1, bucket, price(at))));
    }
    const members = await Promise.all(traders.map((t) => engine.positionIdOf(t.address, ETH)));
    await setPrice(feed, 3003);
    const state = await engine.marketState(ETH);
    const hint = await lens.adlInsertHint(ETH, true, bucket, price(3003) - state.fundingIndex, ids.carol);
    expect(hint).to.equal(members[2]);
    await engine.connect(traders[2]).addMargin(ETH, usd(1_000), 0);

    await engine.connect(carol).openPosition(ETH, size(1), margin + openFee(size(1), price(3003)), MAX_PRICE, await farDeadline(), hint);
    expect(await bucketMembers(engine, true, bucket)).to.deep.equal([members[0], members[1], ids.carol]);
  });
});

describe(`liveness: gas of stale hints with ${ATTACKERS} attacker positions in the target bucket`, function () {
  // Seeding a thousand accounts takes 20-40 s on a shared machine, past mocha's default.
  this.timeout(300_000);
  /**
   * The bucket alice's partial liquidation moves her into, stuffed with ATTACKERS minimum-size longs
   * entered at $2,920: all rank ahead of alice (entry $3,000) and of carol and dave (entry $2,925),
   * so a hint-0 insertion walks past every one of them.
   */
  async function stuffedFixture() {
    const base = await partialLiquidationFixture();
    const { engine, lens, feed, carol, ids } = base;
    const bucket = Number((await lens.previewLiquidation(ids.alice)).bucketAfter);
    const margin = marginForBucket(MIN_SIZE, bucket);
    const started = Date.now();
    const attackers = await crowdOpen(base, ATTACKERS, MIN_SIZE, margin + openFee(MIN_SIZE, price(2920)));
    const seedSeconds = (Date.now() - started) / 1000;
    // Carol's 2x long, entered at $2,925 outside the bucket, will remove margin into it.
    await setPrice(feed, 2_925);
    await engine.connect(carol).openPosition(ETH, size(1), usd(1_500), MAX_PRICE, await farDeadline(), 0);
    const [dave] = await fundedTraders(base.token, engine, 1);
    return { ...base, bucket, attackers, seedSeconds, dave };
  }

  it("costs gas, not a revert, and stays within the measured bound per place walked", async () => {
    const { engine, lens, feed, keeper, carol, dave, ids, bucket, attackers, seedSeconds } =
      await networkHelpers.loadFixture(stuffedFixture);
    const sorted = (list: bigint[]) => [...list].sort((a, b) => (a < b ? -1 : 1));
    expect(sorted(await bucketMembers(engine, true, bucket))).to.deep.equal(sorted(attackers));
    const gas = async (send: () => Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>) => (await (await send()).wait())!.gasUsed;
    /** Gas with the exact hint and with hint 0, from the same state; keeps the hint-0 outcome. */
    const compare = async (exactHint: bigint, send: (hint: bigint) => Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>) => {
      const snapshot = await networkHelpers.takeSnapshot();
      const exact = await gas(() => send(exactHint));
      await snapshot.restore();
      const stale = await gas(() => send(0n));
      return { exact, stale };
    };
    const deadline = await farDeadline();
    const tail = (await bucketMembers(engine, true, bucket)).at(-1)!;

    const daveMargin = marginForBucket(size(1), bucket) + openFee(size(1), price(2925));
    const open = await compare(tail, (hint) => engine.connect(dave).openPosition(ETH, size(1), daveMargin, MAX_PRICE, deadline, hint));
    const daveId = await engine.positionIdOf(dave.address, ETH);

    // Carol removes margin down to the bucket's middle; her loss of ~$5 keeps her above initial margin.
    const carolTarget = marginForBucket(size(1), bucket);
    const removeAmount = (await engine.position(ids.carol)).margin - carolTarget;
    const remove = await compare(tail, (hint) => engine.connect(carol).removeMargin(ETH, removeAmount, deadline, hint));

    await setPrice(feed, 2_920);
    const preview = await lens.previewLiquidation(ids.alice);
    expect(preview.bucketAfter).to.equal(BigInt(bucket));
    const liquidation = await compare(BigInt(preview.hint), (hint) => engine.connect(keeper).liquidate(ids.alice, hint));

    // Every one of them landed at the tail of the stuffed bucket, behind all attackers.
    const members = await bucketMembers(engine, true, bucket);
    expect(sorted(members.slice(0, ATTACKERS))).to.deep.equal(sorted(attackers));
    // Carol's removal settled her funding, so her key is the latest, hence the smallest of the three.
    expect(members.slice(ATTACKERS)).to.deep.equal([ids.carol, daveId, ids.alice]);

    console.log(`      seeding ${ATTACKERS} attacker positions took ${seedSeconds.toFixed(1)} s`);
    // Places a hint-0 insertion walks: every attacker, and for alice also carol and dave.
    const walks = {
      openPosition: [open, ATTACKERS],
      removeMargin: [remove, ATTACKERS],
      "partial liquidation": [liquidation, ATTACKERS + 2],
    };
    for (const [name, [g, places]] of Object.entries(walks) as [string, [typeof open, number]][]) {
      const perPlace = (g.stale - g.exact) / BigInt(places);
      console.log(`      ${name}: exact hint ${g.exact} gas, hint 0 ${g.stale} gas, ${perPlace} gas per place walked`);
      // A bad hint costs about 5k gas per place walked, and nothing else: with 1,000 attacker
      // positions in the bucket, ~5M gas on top of the exact-hint call, well inside a block.
      expect(perPlace <= PER_PLACE_GAS_BOUND).to.equal(true);
      expect(g.stale <= g.exact + PER_PLACE_GAS_BOUND * BigInt(places)).to.equal(true);
    }
  });
});
