// The keeper's decisions against the in-process chain, through the same strategy, indexer and
// sender the daemon runs: pool-protection ADL when a side's profit outgrows the vault.
import { expect } from "chai";
import { network } from "hardhat";
import { rankSide } from "../../client/adl.ts";
import { deployProtocol } from "../../scripts/lib/deployProtocol.ts";
import { embeddedKeeper } from "../../scripts/lib/embeddedKeeper.ts";
import { devPrivateKey } from "../../scripts/lib/localChain.ts";

const { ethers, provider } = await network.create();
const usd = (n: number) => BigInt(n) * 10n ** 6n;
const eth = (n: number) => BigInt(n) * 10n ** 18n;
const WAD = 10n ** 18n;

describe("keeper strategy", () => {
  it("deleverages a side whose profit is over the pnl-factor cap down to the target, top-ranked profitable positions first", async () => {
    const signers = await ethers.getSigners();
    const [lp, keeper] = signers;
    const { engine, token, vault, feed, lens, addressBook } = await deployProtocol(ethers, {
      markets: [{ name: "ETH", initialAnswer: 3000_00000000n }],
    }).then((d) => ({ ...d, feed: d.markets[0].feed }));
    await token.mint(lp.address, usd(40_000));
    await token.connect(lp).approve(await vault.getAddress(), ethers.MaxUint256);
    await vault.connect(lp).deposit(usd(40_000), lp.address);
    const open = async (trader: (typeof signers)[number], size: bigint, margin: bigint) => {
      await token.mint(trader.address, margin * 2n);
      await token.connect(trader).approve(await engine.getAddress(), ethers.MaxUint256);
      await engine.connect(trader).deposit(margin * 2n);
      await engine.connect(trader).openPosition(0, size, margin, size > 0n ? ethers.MaxUint256 : 0n, 2n ** 40n, 0);
      return engine.positionIdOf(trader.address, 0) as Promise<bigint>;
    };
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

    const positions = await Promise.all(
      [...shorts, late].map(async (id) => {
        const { size, margin, entryPrice, fundingSnapshot } = await engine.position(id);
        return { id, size, margin, entryPrice, fundingSnapshot };
      }),
    );
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
});
