// A Pyth market's stored price is only as fresh as the last pushed update: the keeper pushes the
// latest Hermes update before its liquidation scan, so a crash published to Hermes is liquidated
// in the same tick, without anyone else pushing it.
import { expect } from "chai";
import { network } from "hardhat";
import { embeddedKeeper } from "../../scripts/lib/embeddedKeeper.ts";
import { devPrivateKey } from "../../scripts/lib/localChain.ts";
import { startHermesStandIn } from "../../scripts/lib/hermesStandIn.ts";
import { deployTestProtocol } from "../helpers/testProtocol.ts";
import { depositOnPythMarket } from "../helpers/pythSeed.ts";

const { ethers, provider, networkHelpers } = await network.create();
const usd = (n: number) => BigInt(n) * 10n ** 6n;
const KEEPER = 9;
const PRICE_ID = ("0x" + "ee".repeat(32)) as `0x${string}`;

describe("keeper on a Pyth market", () => {
  it("pushes the newer Hermes price before scanning, and liquidates at it in the same tick", async () => {
    const [lp, alice] = await ethers.getSigners();
    const deployed = await deployTestProtocol(ethers, {
      markets: [{ name: "ETH", pyth: { priceId: PRICE_ID, initialPrice: { price: 3000_00000000n, conf: 1_00000000n, expo: -8 } } }],
    });
    const { engine, token, vault, addressBook } = deployed;
    await token.mint(lp.address, usd(1_000_000));
    await token.connect(lp).approve(await vault.getAddress(), ethers.MaxUint256);
    await depositOnPythMarket(ethers, vault, lp, usd(1_000_000), deployed.markets[0], 3000_00000000n);
    await token.mint(alice.address, usd(10_000));
    await token.connect(alice).approve(await engine.getAddress(), ethers.MaxUint256);
    await engine.connect(alice).deposit(usd(10_000));
    // 10 ETH at 20x: liquidatable about 2.5% lower.
    await engine.connect(alice).openPosition(0, 10n ** 19n, usd(1_550), ethers.MaxUint256, 2n ** 40n, 0);
    const id = await engine.positionIdOf(alice.address, 0);

    const hermes = await startHermesStandIn();
    try {
      const { tick, metrics } = await embeddedKeeper(provider, addressBook, devPrivateKey(KEEPER), {
        hermesEndpoints: { "0": hermes.url },
      });
      const oracle = await ethers.getContractAt("PythPriceOracle", (await engine.marketConfig(0)).oracle);
      const storedBefore = await oracle.latestPublishTime();
      const crashAt = await networkHelpers.time.latest();
      hermes.publish(PRICE_ID, 2_900_00000000n, 1_00000000n, -8, crashAt);
      expect(await oracle.price()).to.equal(3000n * 10n ** 18n); // nobody pushed the crash yet

      await tick();

      expect(await oracle.latestPublishTime()).to.equal(BigInt(crashAt));
      expect(storedBefore).to.be.lessThan(BigInt(crashAt));
      const [liquidated] = await engine.queryFilter(engine.filters.Liquidated(id));
      expect((liquidated as unknown as { args: { price: bigint } }).args.price).to.equal(2_900n * 10n ** 18n);
      const pushed = (await metrics.pythUpdatesPushed.get()).values.find((v) => v.labels.outcome === "confirmed")?.value;
      expect(pushed).to.equal(1);

      // Nothing newer on Hermes: the next tick sends nothing.
      const nonce = await ethers.provider.getTransactionCount((await ethers.getSigners())[KEEPER].address);
      await tick();
      expect(await ethers.provider.getTransactionCount((await ethers.getSigners())[KEEPER].address)).to.equal(nonce);
    } finally {
      await hermes.close();
    }
  });
});
