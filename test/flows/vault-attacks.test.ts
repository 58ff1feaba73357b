// Attacks on LPs and winners (issue 8): each test states the attack and passes because it fails.
import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";
import { expect } from "chai";
import { deployTestProtocol } from "../helpers/testProtocol.ts";
import { defaultMarketConfig } from "../../scripts/lib/marketConfig.ts";
import { ETH, MAX_PRICE, answer, ethers, farDeadline, networkHelpers, protocolFixture, setPrice, size, usd } from "../helpers/fixture.ts";

const SHARES_PER_ATOM = 10n ** 6n; // the vault's virtual-share offset

/** Alice long 3,000 ETH with 1.9M margin against the fixture's 1M vault; +400 puts the vault under water. */
async function insolventVault() {
  const base = await protocolFixture();
  const { engine, alice, feed } = base;
  await engine.connect(alice).deposit(usd(2_000_000));
  await engine.connect(alice).openPosition(ETH, size(3_000), usd(1_900_000), MAX_PRICE, await farDeadline(), 0);
  await setPrice(feed, 3_400); // alice is up ~1.2M against ~1M of vault cash
  return base;
}

describe("vault and winners under attack", () => {
  it("sells no shares while the vault's equity is below zero (the 0.001 USD buyout)", async () => {
    const { vault, engine, carol } = await networkHelpers.loadFixture(insolventVault);
    expect((await engine.vaultEquity()) < 0n).to.equal(true);
    expect(await vault.maxDeposit(carol.address)).to.equal(0n);
    expect(await vault.maxMint(carol.address)).to.equal(0n);
    // Before the fix a 1,000-atom deposit minted assets x (supply + 1) shares: almost the whole vault.
    await expect(vault.connect(carol).deposit(1_000n, carol.address))
      .to.be.revertedWithCustomError(vault, "VaultInsolvent")
      .withArgs(anyValue);
    await expect(vault.connect(carol).mint(10n ** 18n, carol.address)).to.be.revertedWithCustomError(vault, "VaultInsolvent");
    expect(await vault.balanceOf(carol.address)).to.equal(0n);
  });

  it("makes the first-depositor inflation attack lose the attacker's donation, not the victim's deposit", async () => {
    const [owner, attacker, victim] = await ethers.getSigners();
    const { vault, engine, token } = await deployTestProtocol(ethers, { markets: [{ name: "ETH", initialAnswer: answer(3000) }] });
    for (const who of [attacker, victim]) {
      await token.mint(who.address, usd(200_000));
      await token.connect(who).approve(await vault.getAddress(), ethers.MaxUint256);
    }
    await vault.connect(attacker).deposit(1n, attacker.address);
    expect(await vault.balanceOf(attacker.address)).to.equal(SHARES_PER_ATOM);
    // The classic donation: tokens sent straight to the engine and to the vault.
    await token.connect(attacker).transfer(await engine.getAddress(), usd(50_000));
    await token.connect(attacker).transfer(await vault.getAddress(), usd(50_000));
    await vault.connect(victim).deposit(usd(100_000), victim.address);
    const victimShares = await vault.balanceOf(victim.address);
    // The victim's shares are worth its deposit to the atom (rounding favours the vault by at most 1).
    expect(await vault.previewRedeem(victimShares)).to.be.greaterThanOrEqual(usd(100_000) - 1n);
    expect(await vault.previewRedeem(await vault.balanceOf(attacker.address))).to.be.lessThanOrEqual(1n);
    expect(owner.address).to.not.equal(attacker.address);
  });

  it("keeps the cash a winner is owed although a loser on the same side nets it to zero", async () => {
    const { vault, engine, lp, alice, bob, feed, ids } = await networkHelpers.loadFixture(protocolFixture);
    await engine.connect(alice).openPosition(ETH, size(30), usd(20_000), MAX_PRICE, await farDeadline(), 0);
    await setPrice(feed, 4_000);
    await engine.connect(bob).openPosition(ETH, size(30), usd(20_000), MAX_PRICE, await farDeadline(), 0);
    await setPrice(feed, 3_500); // alice +15k, bob -15k: the longs' net PnL is about zero
    const { longPnl } = await engine.sidePnl(ETH);
    expect(longPnl < usd(1_000) && longPnl > -usd(1_000)).to.equal(true);
    // The LP takes everything it is allowed to take.
    await vault.connect(lp).withdraw(await vault.maxWithdraw(lp.address), lp.address, lp.address);
    const cashLeft = await engine.vaultCash();
    expect(cashLeft >= usd(15_000)).to.equal(true); // before the fix: 0, and alice's close reverted
    const freeBefore = await engine.freeBalance(alice.address);
    await engine.connect(alice).closePosition(ETH, 0, await farDeadline());
    expect(await engine.positionIdOf(alice.address, ETH)).to.equal(0n);
    const paid = (await engine.freeBalance(alice.address)) - freeBefore;
    expect(paid > usd(20_000) + usd(14_500)).to.equal(true); // her margin back and her ~15k profit
    expect(ids.alice).to.not.equal(0n);
  });

  it("refuses an LP withdrawal that would push a side's pnl factor over its maximum", async () => {
    const { vault, engine, lp, alice, feed } = await networkHelpers.loadFixture(protocolFixture);
    await engine.connect(alice).openPosition(ETH, size(30), usd(20_000), MAX_PRICE, await farDeadline(), 0);
    await setPrice(feed, 4_000); // the longs are up ~30k: a factor of ~3% of a ~1M vault
    const maxFactor = (await engine.marketConfig(ETH)).maxPnlFactor;
    expect(await engine.pnlFactor(ETH, true)).to.be.lessThan(maxFactor);
    // Withdrawing 940k would leave ~30k of equity: a factor near 100%, and a pool-ADL anyone could run.
    await expect(vault.connect(lp).withdraw(usd(940_000), lp.address, lp.address))
      .to.be.revertedWithCustomError(engine, "WithdrawalExceedsPnlFactor")
      .withArgs(ETH, true, anyValue, maxFactor);
    await vault.connect(lp).withdraw(usd(500_000), lp.address, lp.address);
    expect(await engine.pnlFactor(ETH, true)).to.be.lessThan(maxFactor);
  });

  it("runs pool-protection ADL on a vault with negative equity, paying what its cash can", async () => {
    const { engine, lens, keeper, ids } = await networkHelpers.loadFixture(insolventVault);
    expect((await engine.vaultEquity()) < 0n).to.equal(true);
    const cash = await engine.vaultCash();
    const [ranking] = await lens.adlRanking(ETH, true, 5);
    expect(ranking[0]).to.equal(ids.alice);
    // Before the fix the negative equity cast to a huge target and this reverted NoDeleverageProgress.
    await engine.connect(keeper).deleverage(ETH, true, 5, 0, 0);
    const after = await engine.position(ids.alice);
    expect(after.size < size(3_000) && after.size > 0n).to.equal(true);
    // The fill took the vault's cash down to less than one unit of size's profit, never below zero.
    expect(await engine.vaultCash()).to.be.lessThan(cash / 1000n);
  });

  it("does not call a pool-protection ADL over-corrected for a rounding atom on a tiny vault", async () => {
    const { vault, engine, lens, lp, alice, keeper, feed, owner, markets } = await networkHelpers.loadFixture(protocolFixture);
    await engine.connect(alice).openPosition(ETH, size(10), usd(3_000), MAX_PRICE, await farDeadline(), 0);
    await setPrice(feed, 3_100); // +1,000
    // The LP leaves almost everything (reserve and factor allow it under loose bounds), then the
    // bounds are tightened: a side at ~1,000 of profit on a few thousand of equity.
    const config = defaultMarketConfig(await markets[ETH].oracle.getAddress(), 6);
    await engine.connect(owner).updateMarket(ETH, { ...config, maxPnlFactor: 10n ** 19n, targetPnlFactor: 9n * 10n ** 18n });
    await vault.connect(lp).withdraw((await vault.maxWithdraw(lp.address)) - usd(1_000), lp.address, lp.address);
    await engine.connect(owner).updateMarket(ETH, { ...config, maxPnlFactor: 10n ** 17n, targetPnlFactor: 5n * 10n ** 16n });
    expect(await engine.pnlFactor(ETH, true)).to.be.greaterThan(10n ** 17n);
    await engine.connect(keeper).deleverage(ETH, true, 5, 0, 0);
    const factor = await engine.pnlFactor(ETH, true);
    expect(factor <= 10n ** 17n).to.equal(true);
  });
});

describe("one dead feed freezes nothing else", () => {
  const BTC = 1;

  /** ETH and BTC markets, 1M of LP capital, a long in each; then BTC's feed stops updating. */
  async function deadBtcFeed() {
    const [owner, lp, alice, bob] = await ethers.getSigners();
    const deployed = await deployTestProtocol(ethers, {
      markets: [
        { name: "ETH", initialAnswer: answer(3000) },
        { name: "BTC", initialAnswer: answer(60_000) },
      ],
    });
    const { token, engine, vault, markets } = deployed;
    for (const who of [lp, alice, bob]) {
      await token.mint(who.address, usd(2_000_000));
      await token.connect(who).approve(await engine.getAddress(), ethers.MaxUint256);
      await token.connect(who).approve(await vault.getAddress(), ethers.MaxUint256);
    }
    await vault.connect(lp).deposit(usd(1_000_000), lp.address);
    await engine.connect(alice).deposit(usd(100_000));
    await engine.connect(bob).deposit(usd(100_000));
    await engine.connect(alice).openPosition(ETH, size(10), usd(5_000), MAX_PRICE, await farDeadline(), 0);
    await engine.connect(bob).openPosition(BTC, size(1), usd(10_000), MAX_PRICE, await farDeadline(), 0);
    const fresh = await engine.vaultEquity();
    // An hour and a bit later only ETH's feed has a new round.
    await networkHelpers.time.increase(3_700);
    await markets[ETH].feed.setAnswer(answer(3000));
    return { ...deployed, owner, lp, alice, bob, freshEquity: fresh };
  }

  it("values the stale market 10% against the vault, lets LPs withdraw what that justifies, and sells no shares", async () => {
    const { engine, vault, lp, markets, freshEquity } = await networkHelpers.loadFixture(deadBtcFeed);
    await expect(markets[BTC].oracle.price()).to.be.revertedWithCustomError(markets[BTC].oracle, "StalePrice");
    const [equity, allFresh] = await engine.vaultValuation();
    expect(allFresh).to.equal(false);
    // Bob's 1 BTC long is valued at 66,000: about 6,000 of profit the vault may owe.
    expect(freshEquity - equity > usd(5_900) && freshEquity - equity < usd(6_100)).to.equal(true);
    const before = await vault.balanceOf(lp.address);
    await vault.connect(lp).withdraw(usd(100_000), lp.address, lp.address); // before the fix: StalePrice
    expect(await vault.balanceOf(lp.address)).to.be.lessThan(before);
    await expect(vault.connect(lp).deposit(usd(1_000), lp.address)).to.be.revertedWithCustomError(vault, "VaultValuationStale");
  });

  it("lets the other market trade, and the owner replace the dead oracle without reading it", async () => {
    const { engine, vault, lp, owner, alice, markets } = await networkHelpers.loadFixture(deadBtcFeed);
    await engine.connect(alice).closePosition(ETH, 0, await farDeadline());
    expect(await engine.positionIdOf(alice.address, ETH)).to.equal(0n);
    const newFeed = await ethers.deployContract("SettableAggregator", [8, "BTC / USD", answer(61_000)]);
    const newOracle = await ethers.deployContract("ChainlinkPriceOracle", [
      await newFeed.getAddress(),
      3600,
      ethers.ZeroAddress,
      0,
      1n,
      10n ** 17n,
    ]);
    const config = { ...defaultMarketConfig(await newOracle.getAddress(), 6) };
    // Before the fix updateMarket accrued funding through the dead feed first and always reverted.
    await expect(engine.connect(owner).updateMarket(BTC, config)).to.emit(engine, "MarketConfigUpdated");
    expect((await engine.marketConfig(BTC)).oracle).to.equal(await newOracle.getAddress());
    expect((await engine.vaultValuation())[1]).to.equal(true);
    await vault.connect(lp).deposit(usd(1_000), lp.address);
    expect(markets.length).to.equal(2);
  });
});
