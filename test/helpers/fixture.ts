import { network } from "hardhat";
import { deployTestProtocol } from "./testProtocol.ts";

export const { ethers, networkHelpers } = await network.create();

export const WAD = 10n ** 18n;
export const USD_DECIMALS = 6;
/** Token atoms of the 6-decimal settlement token. */
export const usd = (amount: number | bigint) => BigInt(amount) * 10n ** BigInt(USD_DECIMALS);
/** A base-asset size with 18 decimals; fractional sizes go through the string form. */
export const size = (amount: number | string) => ethers.parseUnits(String(amount), 18);
/** A WAD price. */
export const price = (amount: number | string) => ethers.parseUnits(String(amount), 18);
/** A Chainlink answer with 8 decimals. */
export const answer = (amount: number | string) => ethers.parseUnits(String(amount), 8);
export const MAX_PRICE = 2n ** 128n - 1n;
export const ETH = 0;

export async function farDeadline() {
  return BigInt(await networkHelpers.time.latest()) + 3600n;
}

/** One ETH market at $3000, a 6-decimal token, an LP with 1M in the vault and 10k of insurance. */
export async function protocolFixture() {
  const [owner, lp, alice, bob, carol, keeper, guardian] = await ethers.getSigners();
  const deployed = await deployTestProtocol(ethers, {
    markets: [{ name: "ETH", initialAnswer: answer(3000) }],
    guardian: guardian.address,
  });
  const { token, engine, vault } = deployed;
  for (const who of [owner, lp, alice, bob, carol]) {
    await token.mint(who.address, usd(10_000_000));
    await token.connect(who).approve(await engine.getAddress(), ethers.MaxUint256);
    await token.connect(who).approve(await vault.getAddress(), ethers.MaxUint256);
  }
  await vault.connect(lp).deposit(usd(1_000_000), lp.address);
  await engine.connect(owner).fundInsurance(usd(10_000));
  for (const trader of [alice, bob, carol]) await engine.connect(trader).deposit(usd(100_000));
  const feed = deployed.markets[ETH].feed;
  // Each trader's ETH position id, fixed by the account's number whether or not it is open.
  const ids = {
    alice: await engine.positionIdFor(alice.address, ETH),
    bob: await engine.positionIdFor(bob.address, ETH),
    carol: await engine.positionIdFor(carol.address, ETH),
  };
  return { ...deployed, feed, owner, lp, alice, bob, carol, keeper, guardian, ids };
}

export async function setPrice(feed: { setAnswer(a: bigint): Promise<unknown> }, dollars: number | string) {
  await feed.setAnswer(answer(dollars));
}
