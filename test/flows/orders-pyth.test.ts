import { expect } from "chai";
import type { Hex } from "viem";
import { encodeMockPythUpdate } from "../../scripts/lib/mockPythUpdate.ts";
import { createdOrderId, marketOrder, type OrderRequest } from "../../scripts/lib/orders.ts";
import { deployTestProtocol } from "../helpers/testProtocol.ts";
import { eventsOf } from "../helpers/events.ts";
import { ethers, networkHelpers, price, size, usd } from "../helpers/fixture.ts";

const ETH_USD = ("0x" + "ee".repeat(32)) as Hex;
const MARKET = 0;
const FEE = usd(1);
const now = async () => Number(await networkHelpers.time.latest());
const proof = (updates: Hex[]) => ethers.AbiCoder.defaultAbiCoder().encode(["bytes[]"], [updates]);

/** An ETH market priced by Pyth (a local MockPyth with Pyth's uniqueness check), $3,000 at deployment. */
async function pythMarketFixture() {
  const [, lp, attacker, keeper] = await ethers.getSigners();
  const deployed = await deployTestProtocol(ethers, {
    markets: [{ name: "ETH", pyth: { priceId: ETH_USD, initialPrice: { price: 3000_00000000n, conf: 1_00000000n, expo: -8 } } }],
  });
  const { token, engine, vault } = deployed;
  for (const who of [lp, attacker]) {
    await token.mint(who.address, usd(10_000_000));
    await token.connect(who).approve(await engine.getAddress(), ethers.MaxUint256);
    await token.connect(who).approve(await vault.getAddress(), ethers.MaxUint256);
  }
  await vault.connect(lp).deposit(usd(5_000_000), lp.address);
  await engine.connect(attacker).deposit(usd(1_000_000));
  /**
   * A signed update at `dollars`, published at `publishTime`, the feed's first since a second before
   * (what Pyth's uniqueness check reads: its previous publish time).
   */
  const signed = (dollars: number, publishTime: number) =>
    encodeMockPythUpdate({
      id: ETH_USD,
      price: BigInt(dollars) * 10n ** 8n,
      conf: 10n ** 8n,
      expo: -8,
      publishTime,
      prevPublishTime: publishTime - 1,
    });
  /** The attacker's market order, returning its id. */
  const place = async (fields: Partial<OrderRequest>) =>
    createdOrderId(
      engine,
      await engine.connect(attacker).createOrder(marketOrder({ marketId: MARKET, executionFee: FEE, now: BigInt(await now()), ...fields })),
    );
  return { ...deployed, engine, attacker, keeper, signed, place };
}

describe("orders on a Pyth market", () => {
  it("an update known before the order can't fill it: the front-run of a +1% Pyth price loses the fees", async () => {
    const { engine, attacker, keeper, signed, place } = await networkHelpers.loadFixture(pythMarketFixture);
    const before = await engine.freeBalance(attacker.address);
    // The attacker holds a signed +1% update that is not on-chain yet, and requests a long.
    const knownInAdvance = signed(3030, await now());
    const open = await place({ sizeDelta: size(100), marginIn: usd(50_000) });
    const oracle = await ethers.getContractAt("PythPriceOracle", (await engine.marketConfig(MARKET)).oracle);
    const fee = await oracle.updateFee(proof([knownInAdvance]));
    // Published before the request: refused, whoever executes.
    await expect(engine.connect(attacker).executeOrder(open, proof([knownInAdvance]), 0, { value: fee })).to.be.revert(ethers);

    await networkHelpers.time.increase(1);
    const receipt = await (await engine.connect(keeper).executeOrder(open, proof([signed(3030, await now())]), 0, { value: fee })).wait();
    expect(eventsOf(engine, receipt, "OrderExecuted")[0].price).to.equal(price(3030));

    const close = await place({ sizeDelta: -size(100), reduceOnly: true });
    await networkHelpers.time.increase(1);
    await engine.connect(keeper).executeOrder(close, proof([signed(3030, await now())]), 0, { value: fee });

    const tradingFees = 2n * ((size(100) * price(3030)) / 10n ** 30n / 2000n);
    const lost = before - (await engine.freeBalance(attacker.address));
    expect(lost).to.be.greaterThanOrEqual(tradingFees + 2n * FEE);
  });

  it("the executor pays the oracle's update fee and gets back what it sent beyond it", async () => {
    const { engine, attacker, keeper, signed, place } = await networkHelpers.loadFixture(pythMarketFixture);
    const id = await place({ sizeDelta: size(1), marginIn: usd(500) });
    await networkHelpers.time.increase(1);
    const data = proof([signed(3000, await now())]);
    const oracle = await ethers.getContractAt("PythPriceOracle", (await engine.marketConfig(MARKET)).oracle);
    const fee = await oracle.updateFee(data);
    expect(fee).to.be.greaterThan(0n);
    await expect(engine.connect(keeper).executeOrder(id, data, 0, { value: fee - 1n })).to.be.revert(ethers);
    const balanceBefore = await ethers.provider.getBalance(keeper.address);
    const receipt = (await (await engine.connect(keeper).executeOrder(id, data, 0, { value: fee + 10n ** 15n })).wait())!;
    const spent = balanceBefore - (await ethers.provider.getBalance(keeper.address));
    expect(spent).to.equal(receipt.gasUsed * receipt.gasPrice + fee);
    expect(await ethers.provider.getBalance(await engine.getAddress())).to.equal(0n);
  });
});
