import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { OrderKind, chainlinkProof, createdOrderId, marketOrder, triggerProof, type OrderRequest } from "../../scripts/lib/orders.ts";
import { ETH, answer, ethers, networkHelpers, price, protocolFixture, size, usd } from "../helpers/fixture.ts";
import { decodeReason, eventsOf } from "../helpers/events.ts";

const FEE = usd(1);
const MIN_FEE = usd(1) / 5n; // the engine's default minimum execution fee, 0.2 token
const CANCEL_FEE = usd(1) / 10n; // the default cap an executor keeps for cancelling, 0.1 token

async function ordersFixture() {
  const f = await protocolFixture();
  const { engine, feed } = f;
  const now = async () => BigInt(await networkHelpers.time.latest());
  /** Creates an order for `trader` and returns its id. */
  const submit = async (trader: HardhatEthersSigner, fields: Partial<OrderRequest>) =>
    createdOrderId(
      engine,
      await engine.connect(trader).createOrder(marketOrder({ marketId: ETH, executionFee: FEE, now: await now(), ...fields })),
    );
  /** Publishes a Chainlink round at `dollars` and returns its proof. */
  const publish = async (dollars: number) => {
    await feed.setAnswer(answer(dollars));
    const [roundId] = await feed.latestRoundData();
    return chainlinkProof(roundId);
  };
  return { ...f, now, submit, publish };
}

describe("orders", () => {
  describe("market orders", () => {
    it("escrow margin and fee at request and fill at the first round published after it", async () => {
      const { engine, alice, keeper, submit, publish } = await networkHelpers.loadFixture(ordersFixture);
      const freeBefore = await engine.freeBalance(alice.address);
      const id = await submit(alice, { sizeDelta: size(10), marginIn: usd(3_000) });
      expect(await engine.freeBalance(alice.address)).to.equal(freeBefore - usd(3_000) - FEE);
      expect(await engine.orderEscrow()).to.equal(usd(3_000) + FEE);

      const proof = await publish(3030);
      const receipt = await (await engine.connect(keeper).executeOrder(id, proof, 0)).wait();

      const position = await engine.position(await engine.positionIdOf(alice.address, ETH));
      expect(position.entryPrice).to.equal(price(3030));
      expect(position.size).to.equal(size(10));
      expect(await engine.orderEscrow()).to.equal(0n);
      expect(await engine.freeBalance(keeper.address)).to.equal(FEE);
      expect((await engine.order(id)).account).to.equal(ethers.ZeroAddress);
      const [executed] = eventsOf(engine, receipt, "OrderExecuted");
      expect(executed.price).to.equal(price(3030));
      expect(executed.executionFee).to.equal(FEE);
    });

    it("refuse a round published before the request, and any round but the first after it", async () => {
      const { engine, alice, keeper, feed, submit, publish } = await networkHelpers.loadFixture(ordersFixture);
      const [earlyRound] = await feed.latestRoundData();
      const id = await submit(alice, { sizeDelta: size(1), marginIn: usd(300) });
      const oracle = await ethers.getContractAt("ChainlinkPriceOracle", (await engine.marketConfig(ETH)).oracle);

      await expect(engine.connect(keeper).executeOrder(id, chainlinkProof(earlyRound), 0)).to.be.revertedWithCustomError(
        oracle,
        "RoundTooEarly",
      );
      const first = await publish(2990);
      const second = await publish(3100);
      await expect(engine.connect(keeper).executeOrder(id, second, 0)).to.be.revertedWithCustomError(oracle, "NotFirstRoundAfter");

      await engine.connect(keeper).executeOrder(id, first, 0);
      expect((await engine.position(await engine.positionIdOf(alice.address, ETH))).entryPrice).to.equal(price(2990));
    });

    it("refuse a price older than maxPriceAge and leave the order pending", async () => {
      const { engine, alice, keeper, submit, publish } = await networkHelpers.loadFixture(ordersFixture);
      const id = await submit(alice, { sizeDelta: size(1), marginIn: usd(300) });
      const proof = await publish(3000);
      await networkHelpers.time.increase((await engine.orderSettings()).maxPriceAge + 1n);
      await expect(engine.connect(keeper).executeOrder(id, proof, 0)).to.be.revertedWithCustomError(engine, "PriceTooOld");
      expect((await engine.order(id)).account).to.equal(alice.address);
    });

    it("cancel an order that misses its acceptable price: escrow back, the executor keeps the capped fee", async () => {
      const { engine, alice, keeper, submit, publish } = await networkHelpers.loadFixture(ordersFixture);
      const freeBefore = await engine.freeBalance(alice.address);
      const id = await submit(alice, { sizeDelta: size(1), marginIn: usd(300), acceptablePrice: price(3010) });
      const receipt = await (await engine.connect(keeper).executeOrder(id, await publish(3050), 0)).wait();

      const [cancelled] = eventsOf(engine, receipt, "OrderCancelled");
      expect(decodeReason(engine, cancelled.reason).name).to.equal("PriceOutsideBound");
      expect(cancelled.executorFee).to.equal(CANCEL_FEE);
      expect(await engine.freeBalance(keeper.address)).to.equal(CANCEL_FEE);
      expect(await engine.freeBalance(alice.address)).to.equal(freeBefore - CANCEL_FEE);
      expect(await engine.positionIdOf(alice.address, ETH)).to.equal(0n);
      expect(await engine.orderEscrow()).to.equal(0n);
    });

    it("cancel an expired order without a price", async () => {
      const { engine, alice, keeper, submit, now } = await networkHelpers.loadFixture(ordersFixture);
      const id = await submit(alice, { sizeDelta: size(1), marginIn: usd(300), expiresAt: (await now()) + 60n });
      await networkHelpers.time.increase(120);
      const receipt = await (await engine.connect(keeper).executeOrder(id, "0x", 0)).wait();
      const [cancelled] = eventsOf(engine, receipt, "OrderCancelled");
      expect(decodeReason(engine, cancelled.reason).name).to.equal("OrderExpired");
      expect(cancelled.refund).to.equal(usd(300) + FEE - CANCEL_FEE);
    });

    it("let only the owner cancel, after the cancel delay, with the whole escrow back", async () => {
      const { engine, alice, bob, submit } = await networkHelpers.loadFixture(ordersFixture);
      const freeBefore = await engine.freeBalance(alice.address);
      const id = await submit(alice, { sizeDelta: size(1), marginIn: usd(300) });
      await expect(engine.connect(alice).cancelOrder(id)).to.be.revertedWithCustomError(engine, "CancelTooEarly");
      await networkHelpers.time.increase((await engine.orderSettings()).cancelDelay);
      await expect(engine.connect(bob).cancelOrder(id)).to.be.revertedWithCustomError(engine, "NotOrderOwner").withArgs(id, bob.address);
      await engine.connect(alice).cancelOrder(id);
      expect(await engine.freeBalance(alice.address)).to.equal(freeBefore);
      await expect(engine.connect(alice).cancelOrder(id)).to.be.revertedWithCustomError(engine, "OrderNotFound").withArgs(id);
    });

    it("withdraw margin as a request, checked at the fill price", async () => {
      const { engine, alice, keeper, submit, publish } = await networkHelpers.loadFixture(ordersFixture);
      await engine.connect(alice).openPosition(ETH, size(10), usd(3_000), 2n ** 128n - 1n, 2n ** 40n, 0);
      const id = await submit(alice, { marginOut: usd(1_000) });
      const freeBefore = await engine.freeBalance(alice.address);
      await engine.connect(keeper).executeOrder(id, await publish(3000), 0);
      expect(await engine.freeBalance(alice.address)).to.equal(freeBefore + usd(1_000));
    });

    it("close a reduce-only order at the position's size, however large the request", async () => {
      const { engine, alice, keeper, submit, publish } = await networkHelpers.loadFixture(ordersFixture);
      await engine.connect(alice).openPosition(ETH, size(10), usd(3_000), 2n ** 128n - 1n, 2n ** 40n, 0);
      const id = await submit(alice, { sizeDelta: -size(1_000), reduceOnly: true });
      await engine.connect(keeper).executeOrder(id, await publish(3000), 0);
      expect(await engine.positionIdOf(alice.address, ETH)).to.equal(0n);
    });
  });

  describe("request validation", () => {
    it("rejects a fee under the minimum, a past expiry, and an empty order", async () => {
      const { engine, alice, now } = await networkHelpers.loadFixture(ordersFixture);
      const base = marketOrder({ marketId: ETH, executionFee: FEE, now: await now(), sizeDelta: size(1), marginIn: usd(300) });
      await expect(engine.connect(alice).createOrder({ ...base, executionFee: MIN_FEE - 1n }))
        .to.be.revertedWithCustomError(engine, "ExecutionFeeTooLow")
        .withArgs(MIN_FEE - 1n, MIN_FEE);
      await expect(engine.connect(alice).createOrder({ ...base, expiresAt: await now() })).to.be.revertedWithCustomError(
        engine,
        "InvalidOrder",
      );
      await expect(engine.connect(alice).createOrder({ ...base, sizeDelta: 0n, marginIn: 0n })).to.be.revertedWithCustomError(
        engine,
        "ZeroAmount",
      );
      await expect(engine.connect(alice).createOrder({ ...base, kind: OrderKind.StopLoss, triggerPrice: price(2900), marginIn: 0n }))
        .to.be.revertedWithCustomError(engine, "NoPosition")
        .withArgs(alice.address, ETH);
    });

    it("rejects more escrow than the free balance", async () => {
      const { engine, alice, now } = await networkHelpers.loadFixture(ordersFixture);
      const free = await engine.freeBalance(alice.address);
      const request = marketOrder({ marketId: ETH, executionFee: FEE, now: await now(), sizeDelta: size(1), marginIn: free });
      await expect(engine.connect(alice).createOrder(request))
        .to.be.revertedWithCustomError(engine, "InsufficientBalance")
        .withArgs(alice.address, free, free + FEE);
    });
  });

  describe("limit orders", () => {
    it("wait while the execution price is worse than the limit, then fill at a later price", async () => {
      const { engine, alice, keeper, submit, publish } = await networkHelpers.loadFixture(ordersFixture);
      const id = await submit(alice, { kind: OrderKind.Limit, sizeDelta: size(2), marginIn: usd(600), acceptablePrice: price(2950) });
      await expect(engine.connect(keeper).executeOrder(id, await publish(2960), 0)).to.be.revertedWithCustomError(
        engine,
        "PriceOutsideBound",
      );
      expect((await engine.order(id)).account).to.equal(alice.address);
      await engine.connect(keeper).executeOrder(id, await publish(2940), 0);
      expect((await engine.position(await engine.positionIdOf(alice.address, ETH))).entryPrice).to.equal(price(2940));
    });
  });

  describe("stop-loss and take-profit", () => {
    async function withLong() {
      const f = await ordersFixture();
      await f.engine.connect(f.alice).openPosition(ETH, size(10), usd(3_000), 2n ** 128n - 1n, 2n ** 40n, 0);
      return f;
    }

    it("a stop-loss fills at the first price published after the one that crossed its trigger", async () => {
      const { engine, alice, keeper, submit, publish } = await networkHelpers.loadFixture(withLong);
      const id = await submit(alice, { kind: OrderKind.StopLoss, sizeDelta: -size(10), triggerPrice: price(2900) });
      const above = await publish(2950);
      const fill = await publish(2940);
      await expect(engine.connect(keeper).executeOrder(id, triggerProof(above, fill), 0))
        .to.be.revertedWithCustomError(engine, "TriggerNotReached")
        .withArgs(id, price(2950), price(2900));

      const crossed = await publish(2890);
      const after = await publish(2880);
      const later = await publish(2700);
      const oracle = await ethers.getContractAt("ChainlinkPriceOracle", (await engine.marketConfig(ETH)).oracle);
      // The executor can't choose a later, worse fill than the first after the trigger.
      await expect(engine.connect(keeper).executeOrder(id, triggerProof(crossed, later), 0)).to.be.revertedWithCustomError(
        oracle,
        "NotFirstRoundAfter",
      );
      const receipt = await (await engine.connect(keeper).executeOrder(id, triggerProof(crossed, after), 0)).wait();
      expect(eventsOf(engine, receipt, "OrderExecuted")[0].price).to.equal(price(2880));
      expect(await engine.positionIdOf(alice.address, ETH)).to.equal(0n);
    });

    it("a take-profit on a long waits for the price to rise through its trigger", async () => {
      const { engine, alice, keeper, submit, publish } = await networkHelpers.loadFixture(withLong);
      const id = await submit(alice, { kind: OrderKind.TakeProfit, sizeDelta: -size(4), triggerPrice: price(3100) });
      const low = await publish(3050);
      await expect(engine.connect(keeper).executeOrder(id, triggerProof(low, low), 0)).to.be.revertedWithCustomError(
        engine,
        "TriggerNotReached",
      );
      const crossed = await publish(3120);
      const fill = await publish(3110);
      await engine.connect(keeper).executeOrder(id, triggerProof(crossed, fill), 0);
      expect((await engine.position(await engine.positionIdOf(alice.address, ETH))).size).to.equal(size(6));
    });
  });

  describe("execution", () => {
    it("a batch skips an entry whose proof fails and executes the rest", async () => {
      const { engine, alice, bob, keeper, submit, publish, feed } = await networkHelpers.loadFixture(ordersFixture);
      const [stale] = await feed.latestRoundData();
      const a = await submit(alice, { sizeDelta: size(1), marginIn: usd(300) });
      const b = await submit(bob, { sizeDelta: -size(1), marginIn: usd(300) });
      const proof = await publish(3000);
      const receipt = await (await engine.connect(keeper).executeOrders([a, b], [chainlinkProof(stale), proof], [0, 0])).wait();
      expect(eventsOf(engine, receipt, "OrderSkipped").map((e) => e.orderId)).to.deep.equal([a]);
      expect(eventsOf(engine, receipt, "OrderExecuted").map((e) => e.orderId)).to.deep.equal([b]);
    });

    it("no gas limit an executor picks can cancel the order: a fill short of gas reverts whole", async () => {
      const { engine, alice, keeper, submit, publish } = await networkHelpers.loadFixture(ordersFixture);
      const id = await submit(alice, { sizeDelta: size(1), marginIn: usd(300) });
      const proof = await publish(3000);
      const needed = await engine.connect(keeper).executeOrder.estimateGas(id, proof, 0);
      let fillOutOfGas = 0;
      for (let percent = 30n; percent < 100n; percent += 5n) {
        const starved = engine.connect(keeper).executeOrder(id, proof, 0, { gasLimit: (needed * percent) / 100n });
        await expect(starved).to.be.revert(ethers);
        if (String(await starved.catch((error) => error)).includes("FillOutOfGas")) ++fillOutOfGas;
        expect((await engine.order(id)).account).to.equal(alice.address);
      }
      // Some limits starved the fill itself, and the guard turned them into a revert, not a cancel.
      expect(fillOutOfGas).to.be.greaterThan(0);
      await engine.connect(keeper).executeOrder(id, proof, 0);
      expect(await engine.positionIdOf(alice.address, ETH)).to.not.equal(0n);
    });

    it("only the engine itself may call the per-entry and fill frames", async () => {
      const { engine, keeper } = await networkHelpers.loadFixture(ordersFixture);
      await expect(engine.connect(keeper).fillOrder(1, price(3000), 0, 0, keeper.address))
        .to.be.revertedWithCustomError(engine, "OnlyEngine")
        .withArgs(keeper.address);
      await expect(engine.connect(keeper).executeOrderFor(1, "0x", 0, keeper.address)).to.be.revertedWithCustomError(engine, "OnlyEngine");
    });
  });

  describe("settings", () => {
    it("only the owner sets them, each within its hard bound", async () => {
      const { engine, owner, alice } = await networkHelpers.loadFixture(ordersFixture);
      const good = { minExecutionDelay: 2n, maxPriceAge: 30n, cancelDelay: 120n, minExecutionFee: usd(1), maxCancellationFee: usd(1) / 2n };
      await expect(engine.connect(alice).setOrderSettings(good)).to.be.revertedWithCustomError(engine, "OwnableUnauthorizedAccount");
      const bad: [keyof typeof good, bigint][] = [
        ["minExecutionDelay", 0n],
        ["minExecutionDelay", 3601n],
        ["maxPriceAge", 0n],
        ["maxPriceAge", 3601n],
        ["cancelDelay", 86_401n],
        ["maxCancellationFee", usd(1) + 1n],
      ];
      for (const [field, value] of bad) {
        await expect(engine.connect(owner).setOrderSettings({ ...good, [field]: value }))
          .to.be.revertedWithCustomError(engine, "InvalidOrderSettings")
          .withArgs(field, value);
      }
      await expect(engine.connect(owner).setOrderSettings(good)).to.emit(engine, "OrderSettingsSet");
      const set = await engine.orderSettings();
      expect([set.minExecutionDelay, set.maxPriceAge, set.cancelDelay, set.minExecutionFee, set.maxCancellationFee]).to.deep.equal(
        Object.values(good),
      );
    });
  });

  describe("the front-run of a visible price round", () => {
    it("earns nothing: the order fills at the round the attacker saw coming, and pays fees both ways", async () => {
      const { engine, carol, keeper, submit, publish } = await networkHelpers.loadFixture(ordersFixture);
      const before = await engine.freeBalance(carol.address);
      // The +1% round is in the mempool; the attacker requests 1,000 ETH long before it lands.
      const open = await submit(carol, { sizeDelta: size(100), marginIn: usd(50_000) });
      const visibleRound = await publish(3030);
      await engine.connect(keeper).executeOrder(open, visibleRound, 0);
      const close = await submit(carol, { sizeDelta: -size(100), reduceOnly: true });
      await engine.connect(keeper).executeOrder(close, await publish(3030), 0);

      const after = await engine.freeBalance(carol.address);
      // It lost the two trading fees, two execution fees and a few seconds of funding: no price gain.
      const fees = 2n * ((size(100) * price(3030)) / 10n ** 30n / 2000n) + 2n * FEE;
      expect(before - after).to.be.greaterThanOrEqual(fees);
      expect(before - after).to.be.lessThan(fees + usd(1));
    });
  });
});
