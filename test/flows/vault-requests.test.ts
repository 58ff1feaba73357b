// LP timing (issue 8): deposits and redemptions are requests settled at a price published after
// them, so LP capital can't be timed around a visible price update, a liquidation or pending ADL
// debt. Each attack test lets the attacker settle as early as it can: without the timing rule its
// settlement goes through before the event and the final balance assertion fails.
import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { deployTestProtocol } from "../helpers/testProtocol.ts";
import { depositThroughRequest, publishAfterRequests, requestIdOf } from "../../scripts/lib/lpRequests.ts";
import { ETH, MAX_PRICE, answer, ethers, farDeadline, networkHelpers, protocolFixture, setPrice, size, usd } from "../helpers/fixture.ts";

type Vault = Awaited<ReturnType<typeof deployTestProtocol>>["vault"];
type Feed = Awaited<ReturnType<typeof deployTestProtocol>>["markets"][number]["feed"];

const MIN_REQUEST_DELAY = 12;
const CANCEL_DELAY = 3600;

/** Tries to settle at once, as an attacker would; a refused settlement is what the rule is for. */
async function settleAsEarlyAsPossible(vault: Vault, who: HardhatEthersSigner, id: bigint) {
  await vault
    .connect(who)
    .settleRequest(id)
    .catch(() => undefined);
}

/** The keeper's settlement once the request is due: the delay passed and the feeds published after it. */
async function keeperSettles(vault: Vault, feeds: Feed[], id: bigint) {
  const [, , , , keeper] = await ethers.getSigners();
  if ((await vault.requests(id)).owner === ethers.ZeroAddress) return; // already settled
  await publishAfterRequests(ethers.provider, vault, feeds);
  await vault.connect(keeper).settleRequest(id);
}

/** The attacker's round trip: request a deposit, the event happens, settle; then redeem it all. */
async function roundTrip(vault: Vault, feeds: Feed[], attacker: HardhatEthersSigner, assets: bigint, event: () => Promise<unknown>) {
  const depositId = await requestIdOf(vault, await vault.connect(attacker).requestDeposit(assets, attacker.address));
  await settleAsEarlyAsPossible(vault, attacker, depositId);
  await event();
  await keeperSettles(vault, feeds, depositId);
  const redeemId = await requestIdOf(
    vault,
    await vault.connect(attacker).requestRedeem(await vault.balanceOf(attacker.address), attacker.address),
  );
  await settleAsEarlyAsPossible(vault, attacker, redeemId);
  await keeperSettles(vault, feeds, redeemId);
}

/** The book: traders long 1,000 ETH at $3,000 against an honest LP's 1M. Funding is off, so
 * the LPs' result is the traders' price loss alone. */
async function longBookFixture() {
  const [owner, lp, alice, attacker] = await ethers.getSigners();
  const deployed = await deployTestProtocol(ethers, {
    markets: [{ name: "ETH", initialAnswer: answer(3000), configure: (c) => ({ ...c, maxFundingRatePerSecond: 0n }) }],
  });
  const { token, engine, vault, markets } = deployed;
  for (const who of [lp, alice, attacker]) {
    await token.mint(who.address, usd(10_000_000));
    await token.connect(who).approve(await engine.getAddress(), ethers.MaxUint256);
    await token.connect(who).approve(await vault.getAddress(), ethers.MaxUint256);
  }
  const feed = markets[ETH].feed;
  await depositThroughRequest(ethers.provider, vault.connect(lp), [feed], usd(1_000_000), lp.address);
  await engine.connect(alice).deposit(usd(2_000_000));
  await engine.connect(alice).openPosition(ETH, size(1_000), usd(1_000_000), MAX_PRICE, await farDeadline(), 0);
  return { ...deployed, feed, owner, lp, alice, attacker };
}

describe("LP requests defeat the timing attacks", () => {
  it("makes the sandwich around a visible -1% round lose money; the honest LP keeps the traders' 30,000", async () => {
    const { vault, token, feed, lp, attacker } = await networkHelpers.loadFixture(longBookFixture);
    const honestBefore = await vault.previewRedeem(await vault.balanceOf(lp.address));
    const attackerBefore = await token.balanceOf(attacker.address);
    // The immediate ERC-4626 path is closed.
    await expect(vault.connect(attacker).deposit(usd(9_000_000), attacker.address))
      .to.be.revertedWithCustomError(vault, "ImmediateFlowDisabled")
      .withArgs(vault.interface.getFunction("deposit").selector);
    // 9M requested just before the -1% round lands; redeemed right after. Before the fix: +26,998.
    await roundTrip(vault, [feed], attacker, usd(9_000_000), () => setPrice(feed, 2_970));
    const attackerAfter = await token.balanceOf(attacker.address);
    expect(await vault.balanceOf(attacker.address)).to.equal(0n);
    expect(attackerAfter < attackerBefore).to.equal(true, `attacker gained ${attackerAfter - attackerBefore}`);
    expect(attackerBefore - attackerAfter <= 2n).to.equal(true); // it loses the rounding, nothing else
    // The honest LP gets the whole 30,000 the traders lost (its own share's rounding aside).
    const honestGain = (await vault.previewRedeem(await vault.balanceOf(lp.address))) - honestBefore;
    expect(honestGain >= usd(30_000) - 1n && honestGain <= usd(30_000) + 2n).to.equal(true, `honest LP gained ${honestGain}`);
  });

  it("makes a redemption requested before a loss-making round bear that round", async () => {
    const { vault, token, feed, lp, attacker } = await networkHelpers.loadFixture(longBookFixture);
    await depositThroughRequest(ethers.provider, vault.connect(attacker), [feed], usd(1_000_000), attacker.address);
    // Half its shares (the reserve for alice's 1M margin keeps the rest of the cash in).
    const shares = (await vault.balanceOf(attacker.address)) / 2n;
    const valueBefore = await vault.previewRedeem(shares);
    // A +1% round (the longs win 30,000) is visible; the attacker asks to leave before it lands.
    const id = await requestIdOf(vault, await vault.connect(attacker).requestRedeem(shares, attacker.address));
    await settleAsEarlyAsPossible(vault, attacker, id);
    await setPrice(feed, 3_030);
    const tokensBefore = await token.balanceOf(attacker.address);
    await keeperSettles(vault, [feed], id);
    const paid = (await token.balanceOf(attacker.address)) - tokensBefore;
    // Those shares bear their part of the 30,000, as every share does.
    const loss = valueBefore - paid;
    const share = (usd(30_000) * shares) / ((await vault.totalSupply()) + shares);
    expect(loss >= share - 2n && loss <= share + 2n).to.equal(true, `loss ${loss}, share ${share}`);
    expect(await vault.previewRedeem(await vault.balanceOf(lp.address))).to.be.greaterThanOrEqual(2n * paid - 2n);
  });

  it("makes an LP leaving before a liquidation the vault bears pay its share of the deficit", async () => {
    const [, lp, alice, attacker, keeper] = await ethers.getSigners();
    const deployed = await deployTestProtocol(ethers, {
      markets: [{ name: "ETH", initialAnswer: answer(3000), configure: (c) => ({ ...c, maxFundingRatePerSecond: 0n }) }],
    });
    const { token, engine, vault, markets } = deployed;
    const feed = markets[ETH].feed;
    for (const who of [lp, alice, attacker]) {
      await token.mint(who.address, usd(10_000_000));
      await token.connect(who).approve(await engine.getAddress(), ethers.MaxUint256);
      await token.connect(who).approve(await vault.getAddress(), ethers.MaxUint256);
    }
    await depositThroughRequest(ethers.provider, vault.connect(lp), [feed], usd(1_000_000), lp.address);
    await depositThroughRequest(ethers.provider, vault.connect(attacker), [feed], usd(1_000_000), attacker.address);
    // A 20x long with no insurance fund and no short to deleverage: its deficit falls on the vault.
    await engine.connect(alice).deposit(usd(100_000));
    await engine.connect(alice).openPosition(ETH, size(30), usd(4_600), MAX_PRICE, await farDeadline(), 0);
    const aliceId = await engine.positionIdOf(alice.address, ETH);
    await setPrice(feed, 2_700); // alice is ~4,400 below zero; until liquidated the vault counts her whole loss
    const shares = await vault.balanceOf(attacker.address);
    const inflatedValue = await vault.previewRedeem(shares);
    const id = await requestIdOf(vault, await vault.connect(attacker).requestRedeem(shares, attacker.address));
    await settleAsEarlyAsPossible(vault, attacker, id); // before the fix: paid at the inflated value
    await expect(engine.connect(keeper).liquidate(aliceId, 0)).to.emit(engine, "DeficitBorneByVault");
    const fairValue = await vault.previewRedeem(shares);
    expect(inflatedValue - fairValue > usd(2_000)).to.equal(true); // half the deficit
    const tokensBefore = await token.balanceOf(attacker.address);
    await keeperSettles(vault, [feed], id);
    const paid = (await token.balanceOf(attacker.address)) - tokensBefore;
    expect(paid <= fairValue).to.equal(true, `paid ${paid}, fair ${fairValue}`);
    expect(fairValue - paid <= 1n).to.equal(true);
  });

  it("gives a deposit requested while ADL debt is pending none of what the deleverage returns to the vault", async () => {
    const base = await protocolFixture();
    const { engine, vault, token, feed, alice, bob, carol, keeper, owner } = base;
    const deadline = await farDeadline();
    const [, , , , , , , ...others] = await ethers.getSigners();
    for (const s of others.slice(0, 12)) {
      await token.mint(s.address, usd(10_000));
      await token.connect(s).approve(await engine.getAddress(), ethers.MaxUint256);
      await engine.connect(s).deposit(usd(10_000));
      await engine.connect(s).openPosition(ETH, -size(3), usd(1_000), 0, deadline, 0);
    }
    await engine.connect(bob).openPosition(ETH, -size(1), usd(3_000), 0, deadline, 0);
    await engine.connect(alice).openPosition(ETH, size(150), usd(46_000), MAX_PRICE, deadline, 0);
    await setPrice(feed, 2_500);
    await engine.connect(carol).openPosition(ETH, -size(1), usd(1_000), 0, deadline, 0);
    await setPrice(feed, 2_600);
    await engine.connect(keeper).liquidate(await engine.positionIdOf(alice.address, ETH), 0);
    const debt = (await engine.marketState(ETH)).shortAdlDebt;
    expect(debt > 0n).to.equal(true); // the shorts' profit counted against the vault includes the debt
    const attackerBefore = await token.balanceOf(owner.address);
    await roundTrip(vault, [feed], owner, usd(5_000_000), () => engine.connect(keeper).deleverage(ETH, false, 16, 0, 0));
    expect((await engine.marketState(ETH)).shortAdlDebt).to.equal(0n);
    // Before the fix the 5M bought in before the deleverage and took 5/6 of the debt back out.
    const attackerAfter = await token.balanceOf(owner.address);
    expect(attackerAfter < attackerBefore + usd(1)).to.equal(true, `attacker gained ${attackerAfter - attackerBefore}`);
  });
});

describe("LP request rules", () => {
  it("settles only after MIN_REQUEST_DELAY and once the feed published after the request", async () => {
    const { vault, feed, carol, keeper } = await networkHelpers.loadFixture(protocolFixture);
    const tx = await vault.connect(carol).requestDeposit(usd(10_000), carol.address);
    const id = await requestIdOf(vault, tx);
    const requestedAt = BigInt((await tx.getBlock())!.timestamp);
    await expect(tx).to.emit(vault, "DepositRequested").withArgs(id, carol.address, carol.address, usd(10_000), requestedAt);
    expect(await vault.pendingDepositAssets()).to.equal(usd(10_000));
    await expect(vault.connect(keeper).settleRequest(id))
      .to.be.revertedWithCustomError(vault, "RequestTooRecent")
      .withArgs(id, requestedAt + BigInt(MIN_REQUEST_DELAY));
    await networkHelpers.time.increase(MIN_REQUEST_DELAY * 10);
    const [, , , publishedAt] = await feed.latestRoundData();
    await expect(vault.connect(keeper).settleRequest(id))
      .to.be.revertedWithCustomError(vault, "PriceNotPublishedSince")
      .withArgs(id, ETH, publishedAt, requestedAt);
    expect(await vault.settleBlocker(id)).to.not.equal("0x");
    await setPrice(feed, 3000);
    expect(await vault.settleBlocker(id)).to.equal("0x");
    const shares = await vault.previewDeposit(usd(10_000));
    await expect(vault.connect(keeper).settleRequest(id))
      .to.emit(vault, "DepositSettled")
      .withArgs(id, carol.address, usd(10_000), shares, anyEquity);
    expect(await vault.balanceOf(carol.address)).to.equal(shares);
    expect(await vault.pendingDepositAssets()).to.equal(0n);
    expect((await vault.requests(id)).owner).to.equal(ethers.ZeroAddress);
    await expect(vault.connect(keeper).settleRequest(id)).to.be.revertedWithCustomError(vault, "UnknownRequest").withArgs(id);
  });

  it("keeps escrowed deposits out of the vault's equity and escrowed shares in its supply", async () => {
    const { vault, token, lp, carol } = await networkHelpers.loadFixture(protocolFixture);
    const assets = await vault.totalAssets();
    const supply = await vault.totalSupply();
    await vault.connect(carol).requestDeposit(usd(500_000), carol.address);
    await vault.connect(lp).requestRedeem(supply / 4n, lp.address);
    expect(await vault.totalAssets()).to.equal(assets);
    expect(await vault.totalSupply()).to.equal(supply);
    expect(await token.balanceOf(await vault.getAddress())).to.equal(usd(500_000));
    expect(await vault.balanceOf(await vault.getAddress())).to.equal(supply / 4n);
  });

  it("refuses requests below the minimum, except a redemption of the whole balance", async () => {
    const { vault, lp, carol } = await networkHelpers.loadFixture(protocolFixture);
    const min = await vault.minRequestAssets();
    expect(min).to.equal(usd(1));
    await expect(vault.connect(carol).requestDeposit(min - 1n, carol.address))
      .to.be.revertedWithCustomError(vault, "RequestTooSmall")
      .withArgs(min - 1n, min);
    const dust = (await vault.convertToShares(min)) - 10n ** 6n;
    await expect(vault.connect(lp).requestRedeem(dust, lp.address)).to.be.revertedWithCustomError(vault, "RequestTooSmall");
    await vault.connect(lp).transfer(carol.address, dust);
    await expect(vault.connect(carol).requestRedeem(dust, carol.address)).to.emit(vault, "RedeemRequested");
    await expect(vault.connect(carol).requestRedeem(0n, carol.address)).to.be.revertedWithCustomError(vault, "RequestTooSmall");
  });

  it("lets only the requester cancel, after CANCEL_DELAY, and returns exactly the escrow", async () => {
    const { vault, token, lp, carol } = await networkHelpers.loadFixture(protocolFixture);
    const tokens = await token.balanceOf(carol.address);
    const depositId = await requestIdOf(vault, await vault.connect(carol).requestDeposit(usd(50_000), carol.address));
    const shares = await vault.balanceOf(lp.address);
    const redeemId = await requestIdOf(vault, await vault.connect(lp).requestRedeem(shares / 2n, lp.address));
    await expect(vault.connect(carol).cancelRequest(depositId)).to.be.revertedWithCustomError(vault, "CancelTooEarly");
    await networkHelpers.time.increase(CANCEL_DELAY);
    await expect(vault.connect(lp).cancelRequest(depositId))
      .to.be.revertedWithCustomError(vault, "NotRequestOwner")
      .withArgs(depositId, lp.address, carol.address);
    await expect(vault.connect(carol).cancelRequest(depositId))
      .to.emit(vault, "RequestCancelled")
      .withArgs(depositId, carol.address, true, usd(50_000));
    await expect(vault.connect(lp).cancelRequest(redeemId))
      .to.emit(vault, "RequestCancelled")
      .withArgs(redeemId, lp.address, false, shares / 2n);
    expect(await token.balanceOf(carol.address)).to.equal(tokens);
    expect(await vault.balanceOf(lp.address)).to.equal(shares);
    expect(await vault.pendingDepositAssets()).to.equal(0n);
    await expect(vault.settleRequest(depositId)).to.be.revertedWithCustomError(vault, "UnknownRequest");
  });

  it("settles a batch around a request that can't settle, which stays pending with its shares escrowed", async () => {
    const { vault, engine, feed, lp, alice, carol, keeper } = await networkHelpers.loadFixture(protocolFixture);
    await engine.connect(alice).openPosition(ETH, size(30), usd(20_000), MAX_PRICE, await farDeadline(), 0);
    await setPrice(feed, 4_000); // the longs are up ~30k
    // The LP asks for 94% of the vault back: that would push the longs' pnl factor near 100%.
    const shares = ((await vault.balanceOf(lp.address)) * 94n) / 100n;
    const tooBig = await requestIdOf(vault, await vault.connect(lp).requestRedeem(shares, lp.address));
    const deposit = await requestIdOf(vault, await vault.connect(carol).requestDeposit(usd(10_000), carol.address));
    await publishAfterRequests(ethers.provider, vault, [feed]);
    const unknown = 999n;
    const tx = vault.connect(keeper).settleRequests([tooBig, deposit, unknown]);
    const maxFactor = (await engine.marketConfig(ETH)).maxPnlFactor;
    await expect(tx).to.emit(vault, "DepositSettled");
    await expect(tx)
      .to.emit(vault, "RequestSkipped")
      .withArgs(unknown, vault.interface.encodeErrorResult("UnknownRequest", [unknown]));
    const receipt = await (await tx).wait();
    const skipped = receipt!.logs.map((l) => vault.interface.parseLog(l)).find((l) => l?.name === "RequestSkipped" && l.args.id === tooBig);
    const reason = engine.interface.parseError(skipped!.args.reason);
    expect(reason?.name).to.equal("WithdrawalExceedsPnlFactor");
    expect(reason?.args[3]).to.equal(maxFactor);
    expect((await vault.requests(tooBig)).amount).to.equal(shares);
    expect(await vault.balanceOf(await vault.getAddress())).to.equal(shares);
    expect((await vault.balanceOf(carol.address)) > 0n).to.equal(true);
  });
});

const anyEquity = (value: bigint) => value > 0n;
