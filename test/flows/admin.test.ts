import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";
import { expect } from "chai";
import { defaultMarketConfig, type MarketConfig } from "../../scripts/lib/marketConfig.ts";
import { ETH, MAX_PRICE, ethers, farDeadline, networkHelpers, protocolFixture, size, usd } from "../helpers/fixture.ts";

describe("owner and guardian controls", () => {
  async function fixtureWithConfig() {
    const base = await protocolFixture();
    const oracle = await base.markets[ETH].oracle.getAddress();
    return { ...base, config: () => defaultMarketConfig(oracle, 6) };
  }

  it("lists markets only for the owner, with an event", async () => {
    const { engine, alice, owner, config } = await networkHelpers.loadFixture(fixtureWithConfig);
    await expect(engine.connect(alice).listMarket(config()))
      .to.be.revertedWithCustomError(engine, "OwnableUnauthorizedAccount")
      .withArgs(alice.address);
    await expect(engine.connect(owner).listMarket(config())).to.emit(engine, "MarketListed");
    expect(await engine.marketCount()).to.equal(2n);
  });

  it("enforces a hard bound on every parameter, naming the field", async () => {
    const { engine, owner, config } = await networkHelpers.loadFixture(fixtureWithConfig);
    const cases: [string, (c: MarketConfig) => void][] = [
      ["oracle", (c) => (c.oracle = ethers.ZeroAddress)],
      ["tradingFeeRate", (c) => (c.tradingFeeRate = 10n ** 16n + 1n)],
      ["insuranceFeeShare", (c) => (c.insuranceFeeShare = 10n ** 18n + 1n)],
      ["liquidationPenaltyRate", (c) => (c.liquidationPenaltyRate = 5n * 10n ** 16n + 1n)],
      ["liquidationPenaltyRate", (c) => (c.liquidationPenaltyRate = c.tiers[0].maintenanceMarginRate)],
      ["liquidationBufferRate", (c) => (c.liquidationBufferRate = 10n ** 18n + 1n)],
      ["keeperRewardRate", (c) => (c.keeperRewardRate = 10n ** 16n + 1n)],
      ["keeperRewardFixed", (c) => (c.keeperRewardFixed = c.keeperRewardCap + 1n)],
      ["maxLiquidationNotional", (c) => (c.maxLiquidationNotional = 0n)],
      ["minPositionNotional", (c) => (c.minPositionNotional = c.maxLiquidationNotional)],
      ["maxLongSize", (c) => (c.maxLongSize = 0n)],
      ["maxShortSize", (c) => (c.maxShortSize = 0n)],
      ["maxFundingRatePerSecond", (c) => (c.maxFundingRatePerSecond = 10n ** 16n / 3600n + 1n)],
      ["skewScale", (c) => (c.skewScale = 0n)],
      ["tierCount", (c) => (c.tierCount = 0)],
      ["tierCount", (c) => (c.tierCount = 5)],
      ["tiers.maxNotional", (c) => (c.tiers[1].maxNotional = c.tiers[0].maxNotional)],
      ["tiers.maintenanceMarginRate", (c) => (c.tiers[0].maintenanceMarginRate = 10n ** 15n - 1n)],
      ["tiers.initialMarginRate", (c) => (c.tiers[0].initialMarginRate = c.tiers[0].maintenanceMarginRate)],
      ["tiers.initialMarginRate", (c) => (c.tiers[2].initialMarginRate = 10n ** 18n + 1n)],
    ];
    for (const [field, mutate] of cases) {
      const c = config();
      mutate(c);
      await expect(engine.connect(owner).listMarket(c), field)
        .to.be.revertedWithCustomError(engine, "InvalidMarketParameter")
        .withArgs(field, anyValue);
    }
  });

  it("caps the number of markets", async () => {
    const { engine, owner, config } = await networkHelpers.loadFixture(fixtureWithConfig);
    for (let i = 1; i < 16; i++) await engine.connect(owner).listMarket(config());
    await expect(engine.connect(owner).listMarket(config())).to.be.revertedWithCustomError(engine, "TooManyMarkets").withArgs(16);
  });

  it("updates a market's parameters only for the owner and accrues funding first", async () => {
    const { engine, owner, alice, config } = await networkHelpers.loadFixture(fixtureWithConfig);
    const c = config();
    c.tradingFeeRate = 0n;
    await expect(engine.connect(alice).updateMarket(ETH, c)).to.be.revertedWithCustomError(engine, "OwnableUnauthorizedAccount");
    await expect(engine.connect(owner).updateMarket(ETH, c)).to.emit(engine, "MarketConfigUpdated").and.to.emit(engine, "FundingAccrued");
    expect((await engine.marketConfig(ETH)).tradingFeeRate).to.equal(0n);
  });

  it("transfers ownership in two steps", async () => {
    const { engine, owner, alice } = await networkHelpers.loadFixture(fixtureWithConfig);
    await engine.connect(owner).transferOwnership(alice.address);
    expect(await engine.owner()).to.equal(owner.address);
    await engine.connect(alice).acceptOwnership();
    expect(await engine.owner()).to.equal(alice.address);
  });

  it("sets the vault once", async () => {
    const { engine, owner, alice } = await networkHelpers.loadFixture(fixtureWithConfig);
    await expect(engine.connect(owner).setVault(alice.address)).to.be.revertedWithCustomError(engine, "VaultAlreadySet");
    await expect(engine.connect(alice).creditVaultDeposit(1n)).to.be.revertedWithCustomError(engine, "NotVault").withArgs(alice.address);
    await expect(engine.connect(alice).releaseVaultCash(alice.address, 1n)).to.be.revertedWithCustomError(engine, "NotVault");
  });

  it("lets the guardian pause new risk only", async () => {
    const { engine, guardian, alice, bob } = await networkHelpers.loadFixture(fixtureWithConfig);
    await engine.connect(alice).openPosition(ETH, size(2), usd(2_000), MAX_PRICE, await farDeadline(), 0);
    await expect(engine.connect(alice).setRiskPaused(true)).to.be.revertedWithCustomError(engine, "NotGuardian").withArgs(alice.address);
    await expect(engine.connect(guardian).setRiskPaused(true)).to.emit(engine, "RiskPausedSet").withArgs(true);

    await expect(
      engine.connect(bob).openPosition(ETH, size(1), usd(1_000), MAX_PRICE, await farDeadline(), 0),
    ).to.be.revertedWithCustomError(engine, "RiskPaused");
    await expect(engine.connect(alice).modifyPosition(ETH, size(1), MAX_PRICE, await farDeadline(), 0)).to.be.revertedWithCustomError(
      engine,
      "RiskPaused",
    );
    await expect(engine.connect(alice).removeMargin(ETH, usd(1), await farDeadline(), 0)).to.be.revertedWithCustomError(
      engine,
      "RiskPaused",
    );
    // Reducing, adding margin, closing and moving collateral stay open.
    await engine.connect(alice).modifyPosition(ETH, -size(1), 0, await farDeadline(), 0);
    await engine.connect(alice).addMargin(ETH, usd(10), 0);
    await engine.connect(alice).closePosition(ETH, 0, await farDeadline());
    await engine.connect(bob).deposit(usd(1));
    await engine.connect(bob).withdraw(usd(1), bob.address);
    expect(await engine.positionIdOf(alice.address, ETH)).to.equal(0n);
  });
});
