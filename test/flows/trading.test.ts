import { expect } from "chai";
import { defaultMarketConfig } from "../../scripts/lib/marketConfig.ts";
import { ETH, MAX_PRICE, ethers, farDeadline, networkHelpers, price, protocolFixture, setPrice, size, usd } from "../helpers/fixture.ts";
import * as ref from "../../client/math.ts";

const DIVISOR = ref.valueDivisor(6);
const params = defaultMarketConfig(ethers.ZeroAddress, 6);
const tiers = params.tiers.slice(0, params.tierCount);
const fee = (sizeDelta: bigint, p: bigint) => ref.mulWadUp(ref.notionalUp(sizeDelta, p, DIVISOR), params.tradingFeeRate);

describe("trading", () => {
  describe("openPosition", () => {
    it("takes margin from the free balance, charges the fee, and splits it between insurance and vault", async () => {
      const { engine, alice } = await networkHelpers.loadFixture(protocolFixture);
      const insuranceBefore = await engine.insuranceFund();
      const cashBefore = await engine.vaultCash();
      const freeBefore = await engine.freeBalance(alice.address);

      await engine.connect(alice).openPosition(ETH, size(10), usd(3_000), MAX_PRICE, await farDeadline(), 0);

      const expectedFee = fee(size(10), price(3000));
      expect(expectedFee).to.equal(usd(15)); // 0.05% of 30,000
      const id = await engine.positionIdOf(alice.address, ETH);
      const p = await engine.position(id);
      expect(p.size).to.equal(size(10));
      expect(p.margin).to.equal(usd(3_000) - expectedFee);
      expect(p.entryPrice).to.equal(price(3000));
      expect(p.account).to.equal(alice.address);
      expect(await engine.freeBalance(alice.address)).to.equal(freeBefore - usd(3_000));
      const insuranceCut = ref.mulWadDown(expectedFee, params.insuranceFeeShare);
      expect(await engine.insuranceFund()).to.equal(insuranceBefore + insuranceCut);
      expect(await engine.vaultCash()).to.equal(cashBefore + expectedFee - insuranceCut);
      const state = await engine.marketState(ETH);
      expect(state.longSize).to.equal(size(10));
      expect(state.shortSize).to.equal(0n);
    });

    it("numbers an account at its first credit and keeps its position id across close and reopen", async () => {
      const { engine, token, alice, keeper } = await networkHelpers.loadFixture(protocolFixture);
      await token.mint(keeper.address, usd(10_000));
      await token.connect(keeper).approve(await engine.getAddress(), ethers.MaxUint256);
      const count = BigInt(await engine.accountCount());
      await expect(engine.connect(keeper).deposit(usd(5_000)))
        .to.emit(engine, "AccountRegistered")
        .withArgs(keeper.address, count + 1n);
      expect(await engine.accountCount()).to.equal(count + 1n);
      const id = (count + 1n) * 16n + BigInt(ETH);
      expect(await engine.positionIdFor(keeper.address, ETH)).to.equal(id);
      expect(await engine.positionIdOf(keeper.address, ETH)).to.equal(0n); // nothing open yet
      // A second deposit does not renumber the account.
      await expect(engine.connect(keeper).deposit(usd(1))).not.to.emit(engine, "AccountRegistered");

      await engine.connect(keeper).openPosition(ETH, size(1), usd(1_000), MAX_PRICE, await farDeadline(), 0);
      expect(await engine.positionIdOf(keeper.address, ETH)).to.equal(id);
      await engine.connect(keeper).closePosition(ETH, 0, await farDeadline());
      expect(await engine.positionIdOf(keeper.address, ETH)).to.equal(0n);
      await engine.connect(keeper).openPosition(ETH, -size(1), usd(1_000), 0, await farDeadline(), 0);
      expect(await engine.positionIdOf(keeper.address, ETH)).to.equal(id);
      expect((await engine.position(id)).account).to.equal(keeper.address);
      // Another account's ids never collide with it.
      expect(await engine.positionIdFor(alice.address, ETH)).to.not.equal(id);
    });

    it("emits the full new position state", async () => {
      const { engine, alice, ids } = await networkHelpers.loadFixture(protocolFixture);
      const tx = engine.connect(alice).openPosition(ETH, -size(2), usd(1_000), 0, await farDeadline(), 0);
      await expect(tx)
        .to.emit(engine, "PositionUpdated")
        .withArgs(
          ids.alice,
          alice.address,
          ETH,
          -size(2),
          usd(1_000) - fee(size(2), price(3000)),
          price(3000),
          0n,
          -size(2),
          price(3000),
          fee(size(2), price(3000)),
        );
    });

    it("rejects zero size, zero margin, an existing position and an unknown market", async () => {
      const { engine, alice, ids } = await networkHelpers.loadFixture(protocolFixture);
      const deadline = await farDeadline();
      await expect(engine.connect(alice).openPosition(ETH, 0n, usd(10), MAX_PRICE, deadline, 0)).to.be.revertedWithCustomError(
        engine,
        "ZeroAmount",
      );
      await expect(engine.connect(alice).openPosition(ETH, size(1), 0n, MAX_PRICE, deadline, 0)).to.be.revertedWithCustomError(
        engine,
        "ZeroAmount",
      );
      await engine.connect(alice).openPosition(ETH, size(1), usd(1_000), MAX_PRICE, deadline, 0);
      await expect(engine.connect(alice).openPosition(ETH, size(1), usd(1_000), MAX_PRICE, deadline, 0))
        .to.be.revertedWithCustomError(engine, "PositionExists")
        .withArgs(alice.address, ETH, ids.alice);
      await expect(engine.connect(alice).openPosition(7, size(1), usd(1_000), MAX_PRICE, deadline, 0))
        .to.be.revertedWithCustomError(engine, "UnknownMarket")
        .withArgs(7);
    });

    it("rejects margin beyond the free balance", async () => {
      const { engine, alice } = await networkHelpers.loadFixture(protocolFixture);
      await expect(engine.connect(alice).openPosition(ETH, size(1), usd(100_001), MAX_PRICE, await farDeadline(), 0))
        .to.be.revertedWithCustomError(engine, "InsufficientBalance")
        .withArgs(alice.address, usd(100_000), usd(100_001));
    });

    it("rejects an expired deadline and a price outside the acceptable bound", async () => {
      const { engine, alice } = await networkHelpers.loadFixture(protocolFixture);
      const now = BigInt(await networkHelpers.time.latest());
      await networkHelpers.time.setNextBlockTimestamp(now + 5n);
      await expect(engine.connect(alice).openPosition(ETH, size(1), usd(1_000), MAX_PRICE, now + 4n, 0))
        .to.be.revertedWithCustomError(engine, "DeadlineExpired")
        .withArgs(now + 4n, now + 5n);
      const deadline = await farDeadline();
      await expect(engine.connect(alice).openPosition(ETH, size(1), usd(1_000), price(2999), deadline, 0))
        .to.be.revertedWithCustomError(engine, "PriceOutsideBound")
        .withArgs(price(3000), price(2999), true);
      await expect(engine.connect(alice).openPosition(ETH, -size(1), usd(1_000), price(3001), deadline, 0))
        .to.be.revertedWithCustomError(engine, "PriceOutsideBound")
        .withArgs(price(3000), price(3001), false);
    });

    it("rejects a stale or negative price", async () => {
      const { engine, alice, feed, markets } = await networkHelpers.loadFixture(protocolFixture);
      const oracle = markets[ETH].oracle;
      const deadline = await farDeadline();
      const now = BigInt(await networkHelpers.time.latest());
      await feed.setRoundData(300000000000n, now - 7200n, now - 7200n);
      await expect(engine.connect(alice).openPosition(ETH, size(1), usd(1_000), MAX_PRICE, deadline, 0)).to.be.revertedWithCustomError(
        oracle,
        "StalePrice",
      );
      await feed.setAnswer(-1n);
      await expect(engine.connect(alice).openPosition(ETH, size(1), usd(1_000), MAX_PRICE, deadline, 0))
        .to.be.revertedWithCustomError(oracle, "NonPositivePrice")
        .withArgs(-1n);
    });

    it("rejects leverage beyond the initial margin of the position's tier", async () => {
      const { engine, alice, ids } = await networkHelpers.loadFixture(protocolFixture);
      // 10 ETH = 30,000 notional, tier 1: initial margin 5% = 1,500 on top of the 15 fee.
      const needed = ref.initialMargin(tiers, size(10), price(3000), DIVISOR);
      const margin = needed + fee(size(10), price(3000)) - 1n;
      await expect(engine.connect(alice).openPosition(ETH, size(10), margin, MAX_PRICE, await farDeadline(), 0))
        .to.be.revertedWithCustomError(engine, "BelowInitialMargin")
        .withArgs(ids.alice, needed - 1n, needed);
      await engine.connect(alice).openPosition(ETH, size(10), margin + 1n, MAX_PRICE, await farDeadline(), 0);
    });

    it("rejects open interest beyond the cap and notional beyond the last tier", async () => {
      const { engine, alice, bob, feed, ids } = await networkHelpers.loadFixture(protocolFixture);
      await setPrice(feed, 1);
      await engine.connect(alice).openPosition(ETH, size(9_000), usd(5_000), MAX_PRICE, await farDeadline(), 0);
      await expect(engine.connect(bob).openPosition(ETH, size(1_001), usd(5_000), MAX_PRICE, await farDeadline(), 0))
        .to.be.revertedWithCustomError(engine, "OpenInterestCap")
        .withArgs(ETH, true, size(10_001), params.maxLongSize);
      await setPrice(feed, 10_000);
      // 1,001 ETH at 10,000 = 10.01M notional, beyond the last 10M bracket.
      await expect(engine.connect(bob).openPosition(ETH, -size(1_001), usd(100_000), 0, await farDeadline(), 0))
        .to.be.revertedWithCustomError(engine, "NotionalAboveMaxTier")
        .withArgs(ids.bob, usd(10_010_000));
    });
  });

  describe("modifyPosition", () => {
    it("averages the entry on increase, rounding against the trader", async () => {
      const { engine, alice, feed, ids } = await networkHelpers.loadFixture(protocolFixture);
      await engine.connect(alice).openPosition(ETH, size(1), usd(5_000), MAX_PRICE, await farDeadline(), 0);
      await setPrice(feed, "3000.00000001");
      await engine.connect(alice).modifyPosition(ETH, size(2), MAX_PRICE, await farDeadline(), 0);
      const p = await engine.position(ids.alice);
      const weighted = size(1) * price(3000) + size(2) * price("3000.00000001");
      expect(p.entryPrice).to.equal(ref.divCeil(weighted, size(3)));
      expect(p.size).to.equal(size(3));
    });

    it("realises PnL into margin on reduce, paid by the vault", async () => {
      const { engine, alice, feed, ids } = await networkHelpers.loadFixture(protocolFixture);
      await engine.connect(alice).openPosition(ETH, size(4), usd(2_000), MAX_PRICE, await farDeadline(), 0);
      const before = await engine.position(ids.alice);
      await setPrice(feed, 3100);
      const cashBefore = await engine.vaultCash();
      const insuranceBefore = await engine.insuranceFund();
      await engine.connect(alice).modifyPosition(ETH, -size(1), 0, await farDeadline(), 0);
      const realised = ref.traderValue(size(1), price(100), DIVISOR); // 100 per ETH
      const reduceFee = fee(size(1), price(3100));
      const p = await engine.position(ids.alice);
      // Funding accrued since the open (longs are the heavy side and pay) is settled on the same touch.
      const funding = ref.traderValue(size(4), before.fundingSnapshot - p.fundingSnapshot, DIVISOR);
      expect(funding < 0n).to.equal(true);
      expect(p.margin).to.equal(before.margin + funding + realised - reduceFee);
      expect(p.size).to.equal(size(3));
      const insuranceCut = ref.mulWadDown(reduceFee, params.insuranceFeeShare);
      expect(await engine.insuranceFund()).to.equal(insuranceBefore + insuranceCut);
      expect(await engine.vaultCash()).to.equal(cashBefore - funding - realised + reduceFee - insuranceCut);
    });

    it("refuses to flip the side and to leave a reduced position liquidatable", async () => {
      const { engine, alice, feed } = await networkHelpers.loadFixture(protocolFixture);
      await engine.connect(alice).openPosition(ETH, size(10), usd(1_600), MAX_PRICE, await farDeadline(), 0);
      await expect(engine.connect(alice).modifyPosition(ETH, -size(11), 0, await farDeadline(), 0))
        .to.be.revertedWithCustomError(engine, "SizeFlip")
        .withArgs(size(10), -size(11));
      await setPrice(feed, 2_900); // equity ~585 against maintenance ~725
      await expect(engine.connect(alice).modifyPosition(ETH, -size(1), 0, await farDeadline(), 0)).to.be.revertedWithCustomError(
        engine,
        "BelowMaintenanceMargin",
      );
    });

    it("rejects calls without a position", async () => {
      const { engine, alice } = await networkHelpers.loadFixture(protocolFixture);
      await expect(engine.connect(alice).closePosition(ETH, 0, await farDeadline()))
        .to.be.revertedWithCustomError(engine, "NoPosition")
        .withArgs(alice.address, ETH);
      await expect(engine.connect(alice).addMargin(ETH, usd(1), 0)).to.be.revertedWithCustomError(engine, "NoPosition");
      await expect(engine.connect(alice).modifyPosition(ETH, size(1), MAX_PRICE, await farDeadline(), 0))
        .to.be.revertedWithCustomError(engine, "NoPosition")
        .withArgs(alice.address, ETH);
    });

    it("refuses an account that never deposited, before it has a position id", async () => {
      const { engine, keeper } = await networkHelpers.loadFixture(protocolFixture);
      expect(await engine.positionIdFor(keeper.address, ETH)).to.equal(0n);
      await expect(engine.connect(keeper).openPosition(ETH, size(1), usd(1_000), MAX_PRICE, await farDeadline(), 0))
        .to.be.revertedWithCustomError(engine, "InsufficientBalance")
        .withArgs(keeper.address, 0n, usd(1_000));
    });
  });

  describe("closePosition", () => {
    it("returns margin plus PnL minus the fee to the free balance and deletes the position", async () => {
      const { engine, bob, feed, ids } = await networkHelpers.loadFixture(protocolFixture);
      await engine.connect(bob).openPosition(ETH, -size(5), usd(3_000), 0, await farDeadline(), 0);
      const { margin, fundingSnapshot } = await engine.position(ids.bob);
      await setPrice(feed, 2_950);
      const freeBefore = await engine.freeBalance(bob.address);
      await engine.connect(bob).closePosition(ETH, MAX_PRICE, await farDeadline());
      const pnl = ref.traderValue(-size(5), price(2950) - price(3000), DIVISOR); // +250
      expect(pnl).to.equal(usd(250));
      const index = (await engine.marketState(ETH)).fundingIndex;
      const funding = ref.traderValue(-size(5), fundingSnapshot - index, DIVISOR);
      expect(await engine.freeBalance(bob.address)).to.equal(freeBefore + margin + funding + pnl - fee(size(5), price(2950)));
      expect(await engine.positionIdOf(bob.address, ETH)).to.equal(0n);
      expect((await engine.position(ids.bob)).size).to.equal(0n);
      expect((await engine.marketState(ETH)).shortSize).to.equal(0n);
      expect((await engine.marketState(ETH)).shortSizeK).to.equal(0n);
    });

    it("refuses to close a bankrupt position: only liquidation settles bad debt", async () => {
      const { engine, alice, feed } = await networkHelpers.loadFixture(protocolFixture);
      await engine.connect(alice).openPosition(ETH, size(10), usd(1_600), MAX_PRICE, await farDeadline(), 0);
      await setPrice(feed, 2_800);
      await expect(engine.connect(alice).closePosition(ETH, 0, await farDeadline())).to.be.revertedWithCustomError(
        engine,
        "PositionBankrupt",
      );
    });
  });

  describe("margin", () => {
    it("adds margin without reading the oracle", async () => {
      const { engine, alice, feed, ids } = await networkHelpers.loadFixture(protocolFixture);
      await engine.connect(alice).openPosition(ETH, size(1), usd(500), MAX_PRICE, await farDeadline(), 0);
      const marginBefore = (await engine.position(ids.alice)).margin;
      await feed.setAnswer(0n); // the oracle is now unusable
      await engine.connect(alice).addMargin(ETH, usd(100), 0);
      expect((await engine.position(ids.alice)).margin).to.equal(marginBefore + usd(100));
      await expect(engine.connect(alice).addMargin(ETH, 0n, 0)).to.be.revertedWithCustomError(engine, "ZeroAmount");
    });

    it("removes margin only down to the initial margin", async () => {
      const { engine, alice, ids } = await networkHelpers.loadFixture(protocolFixture);
      await engine.connect(alice).openPosition(ETH, size(10), usd(3_000), MAX_PRICE, await farDeadline(), 0);
      const margin = (await engine.position(ids.alice)).margin;
      const im = ref.initialMargin(tiers, size(10), price(3000), DIVISOR);
      await expect(engine.connect(alice).removeMargin(ETH, margin + 1n, await farDeadline(), 0))
        .to.be.revertedWithCustomError(engine, "InsufficientMargin")
        .withArgs(ids.alice, margin, margin + 1n);
      // The lone long pays funding every second, so leave a cushion for the blocks in between.
      const cushion = usd(1);
      await expect(engine.connect(alice).removeMargin(ETH, margin - im + 1n, await farDeadline(), 0)).to.be.revertedWithCustomError(
        engine,
        "BelowInitialMargin",
      );
      const freeBefore = await engine.freeBalance(alice.address);
      await engine.connect(alice).removeMargin(ETH, margin - im - cushion, await farDeadline(), 0);
      const after = await engine.position(ids.alice);
      const index = (await engine.marketState(ETH)).fundingIndex;
      const funding = ref.traderValue(size(10), -index, DIVISOR); // the snapshot at open was 0
      expect(after.margin).to.equal(im + cushion + funding);
      expect(await engine.freeBalance(alice.address)).to.equal(freeBefore + margin - im - cushion);
    });
  });
});
