import { expect } from "chai";
import { deployEngine } from "../../scripts/lib/deployProtocol.ts";
import { ETH, MAX_PRICE, ethers, farDeadline, networkHelpers, price, protocolFixture, setPrice, size, usd } from "../helpers/fixture.ts";
import * as ref from "../../client/math.ts";

const DIVISOR = ref.valueDivisor(6);

describe("liquidity vault (ERC-4626)", () => {
  it("mints 10^6 shares per atom on the first deposit (virtual shares) and custodies the assets in the engine", async () => {
    const { vault, engine, token, lp } = await networkHelpers.loadFixture(protocolFixture);
    expect(await vault.balanceOf(lp.address)).to.equal(usd(1_000_000) * 10n ** 6n);
    expect(await vault.decimals()).to.equal(12n);
    expect(await token.balanceOf(await vault.getAddress())).to.equal(0n);
    expect(await engine.vaultCash()).to.equal(usd(1_000_000));
    expect(await vault.totalAssets()).to.equal(usd(1_000_000));
  });

  it("prices shares at cash minus traders' unrealised PnL", async () => {
    const { vault, engine, alice, bob, feed, ids } = await networkHelpers.loadFixture(protocolFixture);
    // A balanced book keeps the funding rate at zero, so the view's projection to "now" is exact.
    await engine.connect(alice).openPosition(ETH, size(20), usd(10_000), MAX_PRICE, await farDeadline(), 0);
    await engine.connect(bob).openPosition(ETH, -size(20), usd(10_000), 0, await farDeadline(), 0);
    await setPrice(feed, 3_300);
    const index = (await engine.marketState(ETH)).fundingIndex;
    const { longPnl, shortPnl } = await engine.sidePnl(ETH);
    const alicePos = await engine.position(ids.alice);
    const bobPos = await engine.position(ids.bob);
    // sidePnl projects funding to now; this block has the same timestamp as the last touch.
    const aliceValue = ref.equity(alicePos, price(3300), index, DIVISOR) - alicePos.margin;
    const bobValue = ref.equity(bobPos, price(3300), index, DIVISOR) - bobPos.margin;
    expect(longPnl).to.equal(aliceValue);
    expect(shortPnl).to.equal(bobValue);
    expect(await vault.totalAssets()).to.equal((await engine.vaultCash()) - aliceValue - bobValue);
  });

  it("never lets LPs withdraw the cash that traders' unrealised profit needs", async () => {
    const { vault, engine, lp, alice, feed, token } = await networkHelpers.loadFixture(protocolFixture);
    await engine.connect(alice).deposit(usd(2_000_000));
    await engine.connect(alice).openPosition(ETH, size(300), usd(190_000), MAX_PRICE, await farDeadline(), 0);
    await setPrice(feed, 3_200); // alice is up ~60k
    const reserved = await engine.reservedTraderProfit();
    const { longPnl } = await engine.sidePnl(ETH);
    // The longs' net PnL plus their margins (what their losers could fail to pay), rounded up.
    const { margin } = await engine.position(await engine.positionIdOf(alice.address, ETH));
    expect((await engine.marketState(ETH)).longMargin).to.equal(margin);
    expect(reserved).to.equal(longPnl + margin + 1n);
    const cash = await engine.vaultCash();
    const maxWithdraw = await vault.maxWithdraw(lp.address);
    expect(maxWithdraw).to.equal(cash - reserved);
    // The long pays ~2.7 of funding per second, which frees reserve between blocks: ask for 100 more.
    await expect(vault.connect(lp).withdraw(maxWithdraw + usd(100), lp.address, lp.address)).to.be.revertedWithCustomError(
      vault,
      "ERC4626ExceededMaxWithdraw",
    );
    const before = await token.balanceOf(lp.address);
    await vault.connect(lp).withdraw(maxWithdraw, lp.address, lp.address);
    expect(await token.balanceOf(lp.address)).to.equal(before + maxWithdraw);
    // alice can still realise her whole profit.
    await engine.connect(alice).closePosition(ETH, 0, await farDeadline());
    expect(await engine.positionIdOf(alice.address, ETH)).to.equal(0n);
  });

  it("ignores token donations when pricing shares", async () => {
    const { vault, engine, token, owner } = await networkHelpers.loadFixture(protocolFixture);
    const assets = await vault.totalAssets();
    await token.connect(owner).transfer(await engine.getAddress(), usd(500_000));
    await token.connect(owner).transfer(await vault.getAddress(), usd(500_000));
    expect(await vault.totalAssets()).to.equal(assets);
  });

  it("gains the losses traders realise", async () => {
    const { vault, engine, alice, feed } = await networkHelpers.loadFixture(protocolFixture);
    const assetsBefore = await vault.totalAssets();
    await engine.connect(alice).openPosition(ETH, size(10), usd(5_000), MAX_PRICE, await farDeadline(), 0);
    await setPrice(feed, 2_900);
    await engine.connect(alice).closePosition(ETH, 0, await farDeadline());
    const feeShare = (f: bigint) => f - ref.mulWadDown(f, ref.WAD / 5n);
    // 1,000 of trading loss plus the vault's share of two fees plus a few seconds of funding.
    const gain = (await vault.totalAssets()) - assetsBefore;
    expect(gain >= usd(1_000) + feeShare(usd(15)) + feeShare(14_500_000n)).to.equal(true);
    expect(gain < usd(1_001) + feeShare(usd(15)) + feeShare(14_500_000n)).to.equal(true);
  });

  it("rejects a fee-on-transfer shortfall instead of diluting LPs", async () => {
    const [owner] = await ethers.getSigners();
    const feeToken = await ethers.deployContract("FeeOnTransferToken");
    const { engine } = await deployEngine(ethers, await feeToken.getAddress(), owner);
    const vault = await ethers.deployContract("LiquidityVault", [await feeToken.getAddress(), await engine.getAddress(), "V", "V"]);
    await engine.setVault(await vault.getAddress());
    await feeToken.mint(owner.address, 1_000_000n);
    await feeToken.approve(await vault.getAddress(), 1_000_000n);
    await expect(vault.deposit(1_000_000n, owner.address))
      .to.be.revertedWithCustomError(vault, "DepositShortfall")
      .withArgs(1_000_000n, 990_000n);
  });
});
