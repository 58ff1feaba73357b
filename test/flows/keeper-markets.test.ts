// The keeper's view of the markets, against the in-process chain through the daemon's own
// strategy: markets come from the engine (a market listed after the deployment is watched), one
// market's stale oracle is reported on its own and does not stop the others, confirmations do not
// delay acting on the head, and the keeper counts the gas it pays and the rewards it earns.
import { expect } from "chai";
import { network } from "hardhat";
import { pino } from "pino";
import { defaultMarketConfig } from "../../scripts/lib/marketConfig.ts";
import { embeddedKeeper } from "../../scripts/lib/embeddedKeeper.ts";
import { devPrivateKey } from "../../scripts/lib/localChain.ts";
import { deployMarket } from "../helpers/inProcessMarket.ts";

const { ethers, provider } = await network.create();
const usd = (n: number) => BigInt(n) * 10n ** 6n;
const eth = (n: number) => BigInt(n) * 10n ** 18n;
const KEEPER = 9;

/** JSON log lines written by the keeper. */
function captureLog() {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { log, lines };
}

describe("keeper markets", () => {
  it("watches a market listed after the deployment, and skips a market whose oracle is stale without stopping the others", async () => {
    const { engine, token, feed, addressBook, signers } = await deployMarket(ethers, usd(1_000_000));
    // A second market, listed after the address book was written: the book knows only ETH.
    const btcFeed = await ethers.deployContract("SettableAggregator", [8, "BTC / USD", 60_000_00000000n]);
    const btcOracle = await ethers.deployContract("ChainlinkPriceOracle", [
      await btcFeed.getAddress(),
      3600,
      ethers.ZeroAddress,
      0,
      1n,
      10n ** 17n,
    ]);
    await engine.listMarket(defaultMarketConfig(await btcOracle.getAddress(), 6));
    const trader = signers[3];
    await token.mint(trader.address, usd(10_000));
    await token.connect(trader).approve(await engine.getAddress(), ethers.MaxUint256);
    await engine.connect(trader).deposit(usd(10_000));
    await engine.connect(trader).openPosition(1, eth(1), usd(4_000), ethers.MaxUint256, 2n ** 40n, 0);
    const id = await engine.positionIdOf(trader.address, 1);

    const { log, lines } = captureLog();
    const { tick, metrics } = embeddedKeeper(provider, addressBook, devPrivateKey(KEEPER), {}, log);
    await tick();
    // ETH's feed goes stale (last update long past its heartbeat) while BTC falls 10%.
    await feed.setRoundData(3000_00000000n, 1, 1);
    await btcFeed.setAnswer(54_000_00000000n);
    await tick(); // does not throw: a stale market is not an RPC error
    expect((await engine.position(id)).size).to.be.lessThan(eth(1)); // BTC was liquidated
    const errors = (await metrics.marketErrors.get()).values;
    // Only ETH's price: BTC's ADL views value a stale market at its last answer, so they still read.
    expect(errors).to.deep.equal([{ value: 1, labels: { market: "0", error: "StalePrice" } }]);
    const healthy = Object.fromEntries((await metrics.marketHealthy.get()).values.map((v) => [v.labels.market, v.value]));
    expect(healthy).to.deep.equal({ "0": 0, "1": 1 });
    expect((await metrics.rpcErrors.get()).values[0].value).to.equal(0);
    const skipped = lines.filter((l) => l.msg === "market skipped: its price cannot be read");
    expect(skipped).to.have.length(1);
    expect(skipped[0]).to.include({ marketId: 0, error: "StalePrice" });

    await tick(); // still stale: counted again, but logged once
    expect(lines.filter((l) => l.msg === "market skipped: its price cannot be read")).to.have.length(1);
    await feed.setAnswer(3000_00000000n);
    await tick();
    expect(lines.some((l) => l.msg === "market back: its reads answer again" && l.marketId === 0)).to.equal(true);
  });

  it("with confirmations, liquidates a position opened at the head without waiting for more blocks, and counts gas and rewards", async () => {
    const { engine, feed, addressBook, signers, open } = await deployMarket(ethers, usd(1_000_000));
    const { tick, metrics } = embeddedKeeper(provider, addressBook, devPrivateKey(KEEPER), { confirmations: 2 });
    await tick();
    const id = await open(signers[4], eth(10), usd(1_600));
    await feed.setAnswer(2850_00000000n); // the position's block and the price's: nothing mined after
    const head = await ethers.provider.getBlockNumber();
    await tick();
    const [liquidated] = await engine.queryFilter(engine.filters.Liquidated(id), head + 1);
    expect(liquidated, "liquidated by the tick at the head").to.not.equal(undefined);
    const receipt = (await liquidated.getTransactionReceipt())!;
    expect((await metrics.gasSpent.get()).values[0].value).to.equal(Number(ethers.formatEther(receipt.gasUsed * receipt.gasPrice)));
    const reward = (liquidated as unknown as { args: { keeperReward: bigint } }).args.keeperReward;
    expect(reward > 0n).to.equal(true);
    expect((await metrics.rewardsEarned.get()).values[0].value).to.equal(Number(reward));
    // Default process metrics are exported beside the keeper's own.
    expect(await metrics.registry.metrics()).to.match(/^process_cpu_user_seconds_total /m);
  });
});
