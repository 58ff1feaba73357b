import { expect } from "chai";
import { deployEngine } from "../../scripts/lib/deployProtocol.ts";
import { publishAfterRequests, redeemThroughRequest, requestIdOf } from "../../scripts/lib/lpRequests.ts";
import { ETH, MAX_PRICE, ethers, farDeadline, networkHelpers, price, protocolFixture, setPrice, size, usd } from "../helpers/fixture.ts";
import * as ref from "../../client/math.ts";

const DIVISOR = ref.valueDivisor(6);

describe("liquidity vault (ERC-4626 views, requests to enter and leave)", () => {
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

  it("never lets LPs redeem the cash that traders' unrealised profit needs", async () => {
    const { vault, engine, lp, alice, keeper, feed, token } = await networkHelpers.loadFixture(protocolFixture);
    await engine.connect(alice).deposit(usd(2_000_000));
    await engine.connect(alice).openPosition(ETH, size(300), usd(190_000), MAX_PRICE, await farDeadline(), 0);
    await setPrice(feed, 3_200); // alice is up ~60k
    const reserved = await engine.reservedTraderProfit();
    const { longPnl } = await engine.sidePnl(ETH);
    // The longs' net PnL plus their margins (what their losers could fail to pay), rounded up.
    const { margin } = await engine.position(await engine.positionIdOf(alice.address, ETH));
    expect((await engine.marketState(ETH)).longMargin).to.equal(margin);
    expect(reserved).to.equal(longPnl + margin + 1n);
    const free = (await engine.vaultCash()) - reserved;
    // The long pays ~2.7 of funding per second, which frees reserve while the request waits: 1,000 less.
    const shares = await vault.previewWithdraw(free - usd(1_000));
    const id = await requestIdOf(vault, await vault.connect(lp).requestRedeem(shares, lp.address));
    await publishAfterRequests(ethers.provider, vault, [feed]);
    const before = await token.balanceOf(lp.address);
    const expected = await vault.previewRedeem(shares);
    await vault.connect(keeper).settleRequests([id]);
    // Paid at the settlement block's valuation: a second more of the long's funding than the preview.
    const paid = (await token.balanceOf(lp.address)) - before;
    expect(paid >= expected && paid - expected < usd(5)).to.equal(true, `paid ${paid}, previewed ${expected}`);
    expect(await engine.vaultCash()).to.be.greaterThanOrEqual(await engine.reservedTraderProfit());
    // The rest of the LP's shares ask for cash only the reserve holds: refused, the request stays
    // pending with its shares escrowed until it can be paid or is cancelled.
    const rest = await redeemThroughRequest(ethers.provider, vault.connect(lp), [feed], await vault.balanceOf(lp.address), lp.address);
    await expect(rest.settlement).to.be.revertedWithCustomError(engine, "InsufficientVaultCash");
    expect((await vault.requests(rest.id)).owner).to.equal(lp.address);
    // alice can still realise her whole profit.
    await engine.connect(alice).closePosition(ETH, 0, await farDeadline());
    expect(await engine.positionIdOf(alice.address, ETH)).to.equal(0n);
  });

  it("closes the immediate ERC-4626 paths and reports them disabled", async () => {
    const { vault, lp } = await networkHelpers.loadFixture(protocolFixture);
    const selector = (name: "deposit" | "mint" | "withdraw" | "redeem") => vault.interface.getFunction(name).selector;
    await expect(vault.connect(lp).deposit(usd(1), lp.address))
      .to.be.revertedWithCustomError(vault, "ImmediateFlowDisabled")
      .withArgs(selector("deposit"));
    await expect(vault.connect(lp).mint(10n ** 12n, lp.address))
      .to.be.revertedWithCustomError(vault, "ImmediateFlowDisabled")
      .withArgs(selector("mint"));
    await expect(vault.connect(lp).withdraw(usd(1), lp.address, lp.address))
      .to.be.revertedWithCustomError(vault, "ImmediateFlowDisabled")
      .withArgs(selector("withdraw"));
    await expect(vault.connect(lp).redeem(10n ** 12n, lp.address, lp.address))
      .to.be.revertedWithCustomError(vault, "ImmediateFlowDisabled")
      .withArgs(selector("redeem"));
    for (const max of [vault.maxDeposit, vault.maxMint, vault.maxWithdraw, vault.maxRedeem]) expect(await max(lp.address)).to.equal(0n);
    // The previews quote the current valuation: what a request settled now would get.
    expect(await vault.previewRedeem(await vault.balanceOf(lp.address))).to.equal(usd(1_000_000));
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

  it("rejects a fee-on-transfer shortfall on the request instead of diluting LPs", async () => {
    const [owner] = await ethers.getSigners();
    const feeToken = await ethers.deployContract("FeeOnTransferToken");
    const { engine } = await deployEngine(ethers, await feeToken.getAddress(), owner);
    const vault = await ethers.deployContract("LiquidityVault", [await feeToken.getAddress(), await engine.getAddress(), "V", "V"]);
    await engine.setVault(await vault.getAddress());
    await feeToken.mint(owner.address, 1_000_000n);
    await feeToken.approve(await vault.getAddress(), 1_000_000n);
    await expect(vault.requestDeposit(1_000_000n, owner.address))
      .to.be.revertedWithCustomError(vault, "DepositShortfall")
      .withArgs(1_000_000n, 990_000n);
  });
});
