// The keeper's decisions against the in-process chain, through the same strategy, indexer and
// sender the daemon runs: pool-protection ADL when a side's profit outgrows the vault.
import { expect } from "chai";
import { network } from "hardhat";
import { pino } from "pino";
import { privateKeyToAccount } from "viem/accounts";
import { rankSide } from "../../client/adl.ts";
import { embeddedKeeper, inProcessClient, inProcessKeeperConfig } from "../../scripts/lib/embeddedKeeper.ts";
import { devPrivateKey } from "../../scripts/lib/localChain.ts";
import { contractCall } from "../../keeper/contracts.ts";
import { TransactionSender } from "../../keeper/sender.ts";
import { withKinds } from "../../keeper/strategy.ts";
import { openPositionsOf } from "../../scripts/lib/positions.ts";
import { perpEngineAbi } from "../../sdk/src/abis.ts";
import { deployMarket } from "../helpers/inProcessMarket.ts";

const { ethers, provider } = await network.create();
const usd = (n: number) => BigInt(n) * 10n ** 6n;
const eth = (n: number) => BigInt(n) * 10n ** 18n;
const WAD = 10n ** 18n;

/** The protocol at $3,000 with a 40,000 vault. */
const market = () => deployMarket(ethers, usd(40_000));

describe("keeper strategy", () => {
  it("deleverages a side whose profit is over the pnl-factor cap down to the target, top-ranked profitable positions first", async () => {
    const { engine, feed, lens, addressBook, signers, open } = await market();
    const keeper = signers[1];
    // Shorts at different leverage, so they sit in different buckets of the queue.
    const shorts = [
      await open(signers[2], -eth(6), usd(4_000)),
      await open(signers[3], -eth(4), usd(1_500)),
      await open(signers[4], -eth(5), usd(6_000)),
      await open(signers[5], -eth(3), usd(900)),
    ];
    await open(signers[6], eth(1), usd(3_000)); // a long that stays healthy
    await feed.setAnswer(2200_00000000n); // shorts gain 14,400 against a 40,000 vault
    const late = await open(signers[7], -eth(1), usd(1_000)); // opened now: no profit, never hit
    const factorBefore = await engine.pnlFactor(0, false);
    const config = await engine.marketConfig(0);
    expect(factorBefore > config.maxPnlFactor).to.equal(true);

    const positions = await openPositionsOf(engine, [...shorts, late], false);
    const fromBlock = (await ethers.provider.getBlockNumber()) + 1;
    const { tick, metrics } = await embeddedKeeper(provider, addressBook, devPrivateKey(signers.indexOf(keeper)));
    const balanceAtTick = await ethers.provider.getBalance(keeper.address);
    await tick();
    // The tick reports the gas money it starts with.
    expect((await metrics.signerBalance.get()).values[0].value).to.equal(Number(ethers.formatEther(balanceAtTick)));

    const fills = (await engine.queryFilter(engine.filters.AdlFill(), fromBlock)).map(
      (e) => (e as unknown as { args: { positionId: bigint } }).args.positionId,
    );
    const x = 2200n * WAD - (await engine.marketState(0)).fundingIndex;
    const ranking = rankSide(positions, x, await engine.valueDivisor());
    expect(fills.length).to.be.greaterThan(0);
    expect(fills).to.deep.equal(ranking.slice(0, fills.length).map((r) => r.position.id));
    expect(fills).to.not.include(late);
    const factorAfter = await engine.pnlFactor(0, false);
    expect(factorAfter <= config.maxPnlFactor).to.equal(true);
    expect(factorAfter + 10n ** 12n >= config.targetPnlFactor).to.equal(true); // not over-corrected
    // A second tick finds nothing to do and sends nothing.
    const nonce = await ethers.provider.getTransactionCount(keeper.address);
    await tick();
    expect(await ethers.provider.getTransactionCount(keeper.address)).to.equal(nonce);
    expect((await lens.marketAdlState(0)).shortPnlFactor).to.equal(factorAfter);
  });

  it("counts a bankrupt entry as covered only while the insurance fund, drawn by the entries before it, lasts", () => {
    const entry = (equity: bigint, full = true) => ({ full, equity });
    const due = [entry(-300n), entry(-500n), entry(-400n), entry(-100n), entry(50n), entry(20n, false)];
    // A fund of 1,000 covers 300 and 500, leaving 200: not the 400, and none after it.
    expect(withKinds(due, 1_000n).map((d) => d.kind)).to.deep.equal(["covered", "covered", "adl", "adl", "plain", "partial"]);
  });

  it("returns from a tick with its liquidation batches in flight; the next tick leaves their positions to them", async () => {
    const { engine, feed, addressBook, signers, open } = await market();
    const ids = [await open(signers[2], eth(10), usd(1_600)), await open(signers[3], eth(5), usd(800))];
    await feed.setAnswer(2600_00000000n); // both far underwater
    const keeper = signers[6];
    const { strategy } = await embeddedKeeper(provider, addressBook, devPrivateKey(signers.indexOf(keeper)));
    const nonce = await ethers.provider.getTransactionCount(keeper.address);
    await provider.request({ method: "evm_setAutomine", params: [false] });
    try {
      // Nothing is mined until the two ticks are done: a tick that waited for its batch would hang.
      await strategy.tick();
      expect(await ethers.provider.getTransactionCount(keeper.address, "pending")).to.equal(nonce + 1);
      await strategy.tick();
      expect(await ethers.provider.getTransactionCount(keeper.address, "pending")).to.equal(nonce + 1); // nothing sent twice
      await provider.request({ method: "evm_mine", params: [] });
      expect(await strategy.settled()).to.equal(true);
    } finally {
      await provider.request({ method: "evm_setAutomine", params: [true] });
    }
    for (const id of ids) expect((await engine.position(id)).size).to.equal(0n);
    expect(await strategy.settled()).to.equal(false); // nothing left in flight
  });

  it("puts ADL off behind liquidation batches in flight, but never longer than maxAdlDeferralMs", async () => {
    const { engine, feed, addressBook, signers, open } = await market();
    const shorts: [number, number][] = [
      [6, 4_000],
      [4, 1_500],
      [5, 6_000],
      [3, 900],
    ];
    for (const [i, [size, margin]] of shorts.entries()) await open(signers[2 + i], -eth(size), usd(margin));
    const long = await open(signers[7], eth(1), usd(850)); // at $2,200: liquidatable (a partial cut), not bankrupt
    await feed.setAnswer(2200_00000000n); // and the shorts' profit is over the pnl-factor cap
    const config = await engine.marketConfig(0);
    expect((await engine.pnlFactor(0, false)) > config.maxPnlFactor).to.equal(true);
    const keeper = signers[8];
    const { strategy } = await embeddedKeeper(provider, addressBook, devPrivateKey(signers.indexOf(keeper)), { maxAdlDeferralMs: 300 });
    const nonce = await ethers.provider.getTransactionCount(keeper.address);
    const pending = () => ethers.provider.getTransactionCount(keeper.address, "pending");
    await provider.request({ method: "evm_setAutomine", params: [false] });
    try {
      await strategy.tick(); // the liquidation goes out and stays in flight
      await strategy.tick(); // within the bound: no deleverage yet
      expect(await pending()).to.equal(nonce + 1);
      await new Promise((resolve) => setTimeout(resolve, 350));
      const third = strategy.tick(); // past the bound: the deleverage goes out behind the batch
      for (let i = 0; i < 200 && (await pending()) < nonce + 2; i++) await new Promise((resolve) => setTimeout(resolve, 25));
      expect(await pending()).to.equal(nonce + 2);
      await provider.request({ method: "evm_mine", params: [] });
      await third;
      await strategy.settled();
    } finally {
      await provider.request({ method: "evm_setAutomine", params: [true] });
    }
    expect((await engine.position(long)).size < eth(1)).to.equal(true); // cut back by the batch in flight
    expect((await engine.pnlFactor(0, false)) <= config.maxPnlFactor).to.equal(true);
  });

  it("reports a liquidation that lost a same-block race on-chain as benign, not failed", async () => {
    const { engine, feed, lens, signers, open } = await market();
    const id = await open(signers[2], eth(10), usd(1_600));
    await feed.setAnswer(2700_00000000n); // far underwater: the first liquidation closes it all
    const { hint } = await lens.previewLiquidation(id);
    const client = inProcessClient(provider);
    const config = inProcessKeeperConfig(31337, devPrivateKey(7));
    const sent: string[] = [];
    const log = pino({}, { write: (line: string) => sent.push(JSON.parse(line).msg) });
    const keepers = [7, 8].map((i) => new TransactionSender({ client, account: privateKeyToAccount(devPrivateKey(i)), config, log }));
    const address = (await engine.getAddress()) as `0x${string}`;
    const call = contractCall({ address, abi: perpEngineAbi, functionName: "liquidate", args: [id, Number(hint)] });
    await provider.request({ method: "evm_setAutomine", params: [false] });
    try {
      // Both simulate against the same state and both broadcast; one block then holds both.
      const outcomes = keepers.map((k) => k.send(call));
      for (let i = 0; i < 200 && sent.filter((m) => m === "transaction sent").length < 2; i++) await new Promise((r) => setTimeout(r, 25));
      await provider.request({ method: "evm_mine", params: [] });
      const results = await Promise.all(outcomes);
      expect(results.map((r) => r.status).sort()).to.deep.equal(["benign", "confirmed"]);
      const lost = results.find((r) => r.status === "benign") as { reason: string };
      expect(lost.reason).to.match(/^(PositionNotFound|NotLiquidatable)\b.*lost a race on-chain/);
      expect((await engine.position(id)).size).to.equal(0n);
    } finally {
      await provider.request({ method: "evm_setAutomine", params: [true] });
    }
  });
});
