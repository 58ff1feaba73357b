import { expect } from "chai";
import * as ref from "../../client/math.ts";
import { chainlinkProof, createdOrderId, marketOrder } from "../../scripts/lib/orders.ts";
import { defaultMarketConfig, type MarketConfig } from "../../scripts/lib/marketConfig.ts";
import { deployTestProtocol } from "../helpers/testProtocol.ts";
import { eventsOf, decodeReason } from "../helpers/events.ts";
import { ETH, WAD, answer, ethers, networkHelpers, price, size, usd } from "../helpers/fixture.ts";

const DIVISOR = ref.valueDivisor(6);
const SCALE = 1_000_000n * WAD;
const FEE = usd(1);

/** One ETH market at $3,000 with price impact on (impactSkewScale 1M ETH). */
async function impactFixture() {
  const [owner, lp, alice, bob, keeper] = await ethers.getSigners();
  const deployed = await deployTestProtocol(ethers, {
    markets: [{ name: "ETH", initialAnswer: answer(3000), configure: (c: MarketConfig) => ({ ...c, impactSkewScale: SCALE }) }],
  });
  const { token, engine, vault } = deployed;
  for (const who of [owner, lp, alice, bob]) {
    await token.mint(who.address, usd(10_000_000));
    await token.connect(who).approve(await engine.getAddress(), ethers.MaxUint256);
    await token.connect(who).approve(await vault.getAddress(), ethers.MaxUint256);
  }
  await vault.connect(lp).deposit(usd(5_000_000), lp.address);
  for (const trader of [alice, bob]) await engine.connect(trader).deposit(usd(2_000_000));
  const feed = deployed.markets[ETH].feed;
  const execute = async (trader: typeof alice, fields: Parameters<typeof marketOrder>[0] extends infer T ? Partial<T> : never) => {
    const now = BigInt(await networkHelpers.time.latest());
    const id = await createdOrderId(
      engine,
      await engine.connect(trader).createOrder(marketOrder({ marketId: ETH, executionFee: FEE, now, ...fields })),
    );
    await feed.setAnswer(answer(3000));
    const [roundId] = await feed.latestRoundData();
    return (await engine.connect(keeper).executeOrder(id, chainlinkProof(roundId), 0)).wait();
  };
  const pool = async () => (await engine.marketState(ETH)).impactPool;
  return { ...deployed, engine, owner, alice, bob, keeper, execute, pool };
}

describe("orders: skew price impact", () => {
  it("charges a trade that grows the skew exactly price * (s'^2 - s^2) / 2S, into the pool", async () => {
    const { engine, alice, execute, pool } = await networkHelpers.loadFixture(impactFixture);
    const receipt = await execute(alice, { sizeDelta: size(1_000), marginIn: usd(900_000) });
    const expected = ref.priceImpact(0n, size(1_000), price(3000), SCALE, DIVISOR, 0n);
    expect(expected).to.equal(usd(1_500)); // 0.05% of 3M: half of the 0.1% premium at the end
    const [executed] = eventsOf(engine, receipt, "OrderExecuted");
    expect(executed.impact).to.equal(expected);
    expect(executed.impactPool).to.equal(expected);
    expect(await pool()).to.equal(expected);
    expect(executed.executionPrice).to.equal(price(3000) + ref.divCeil(expected * DIVISOR, size(1_000)));
    const fee = ref.mulWadUp(ref.notionalUp(size(1_000), price(3000), DIVISOR), 5n * 10n ** 14n);
    const position = await engine.position(await engine.positionIdOf(alice.address, ETH));
    expect(position.margin).to.equal(usd(900_000) - fee - expected);
  });

  it("rounds a charge up and a rebate down, to the atom", async () => {
    const { engine, alice, bob, execute, pool } = await networkHelpers.loadFixture(impactFixture);
    const odd = size("333.333333333333333333");
    const charge = await execute(alice, { sizeDelta: odd, marginIn: usd(300_000) });
    const charged = ref.priceImpact(0n, odd, price(3000), SCALE, DIVISOR, 0n);
    expect(eventsOf(engine, charge, "OrderExecuted")[0].impact).to.equal(charged);
    const poolBefore = await pool();
    const rebate = await execute(bob, { sizeDelta: -size("123.456789"), marginIn: usd(100_000) });
    const expected = ref.priceImpact(odd, -size("123.456789"), price(3000), SCALE, DIVISOR, poolBefore);
    expect(eventsOf(engine, rebate, "OrderExecuted")[0].impact).to.equal(expected);
  });

  it("rebates a trade that shrinks the skew, from the pool", async () => {
    const { engine, alice, bob, execute, pool } = await networkHelpers.loadFixture(impactFixture);
    await execute(alice, { sizeDelta: size(1_000), marginIn: usd(900_000) });
    const charged = await pool();
    const receipt = await execute(bob, { sizeDelta: -size(400), marginIn: usd(240_000) });
    const expected = ref.priceImpact(size(1_000), -size(400), price(3000), SCALE, DIVISOR, charged);
    expect(expected).to.be.lessThan(0n);
    expect(eventsOf(engine, receipt, "OrderExecuted")[0].impact).to.equal(expected);
    expect(await pool()).to.equal(charged + expected);
    const [executed] = eventsOf(engine, receipt, "OrderExecuted");
    // A rebated sell gets more than the oracle price.
    expect(executed.executionPrice).to.be.greaterThan(price(3000));
  });

  it("never rebates more than the pool holds", async () => {
    const { engine, owner, alice, execute, pool } = await networkHelpers.loadFixture(impactFixture);
    await execute(alice, { sizeDelta: size(1_000), marginIn: usd(900_000) });
    const charged = await pool();
    // A hundred times steeper impact makes the close's formula rebate 100x what was charged.
    const steeper = { ...defaultMarketConfig((await engine.marketConfig(ETH)).oracle, 6), impactSkewScale: 10_000n * WAD };
    await engine.connect(owner).updateMarket(ETH, steeper);
    const formula = ref.priceImpact(size(1_000), -size(1_000), price(3000), 10_000n * WAD, DIVISOR, 2n ** 255n);
    expect(-formula).to.be.greaterThan(charged);
    const receipt = await execute(alice, { sizeDelta: -size(1_000), reduceOnly: true });
    expect(eventsOf(engine, receipt, "OrderExecuted")[0].impact).to.equal(-charged);
    expect(await pool()).to.equal(0n);
  });

  it("checks the acceptable price against the execution price, impact included", async () => {
    const { engine, alice, execute } = await networkHelpers.loadFixture(impactFixture);
    const receipt = await execute(alice, { sizeDelta: size(1_000), marginIn: usd(900_000), acceptablePrice: price(3000) });
    const [cancelled] = eventsOf(engine, receipt, "OrderCancelled");
    const reason = decodeReason(engine, cancelled.reason);
    expect(reason.name).to.equal("PriceOutsideBound");
    expect(reason.args[0]).to.be.greaterThan(price(3000));
  });

  it("makes a large round trip cost the impact's asymmetry plus the fees, never a profit", async () => {
    const { engine, alice, execute } = await networkHelpers.loadFixture(impactFixture);
    const before = await engine.freeBalance(alice.address);
    await execute(alice, { sizeDelta: size(2_000), marginIn: usd(1_500_000) });
    await execute(alice, { sizeDelta: -size(2_000), reduceOnly: true });
    const fees = 2n * ref.mulWadUp(ref.notionalUp(size(2_000), price(3000), DIVISOR), 5n * 10n ** 14n) + 2n * FEE;
    expect(before - (await engine.freeBalance(alice.address))).to.be.greaterThanOrEqual(fees);
  });
});
