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
