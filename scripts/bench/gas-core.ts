// Gas of every core entry point, measured on the embedded Hardhat chain in realistic state
// (a market with open interest on both sides, accounts already funded). Used by `npm run bench`
// and by the gas guard (scripts/bench/gas-guard.ts).
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { deployProtocol } from "../lib/deployProtocol.ts";
import { depositThroughRequest, publishAfterRequests, requestIdOf } from "../lib/lpRequests.ts";
import { measureEngineGas } from "./gas-adl.ts";

/** Positions in the engine benchmark behind the deleverage figures: enough to fill 36 ADL buckets. */
export const GAS_FIGURES_POSITIONS = 100;

/** What each measured operation is, for the tables in BENCHMARKS.md. */
export const CORE_OPERATIONS = {
  depositFirst: "deposit: first, numbers the account",
  deposit: "deposit: existing account",
  withdraw: "withdraw",
  openPositionNewBucket: "openPosition: new position, first in its ADL bucket",
  openPosition: "openPosition: new position, bucket in use (joins at the bucket's head)",
  modifyPositionIncrease: "modifyPosition: increase",
  modifyPositionReduce: "modifyPosition: reduce",
  addMargin: "addMargin (no oracle read)",
  removeMargin: "removeMargin",
  closePosition: "closePosition",
  fundInsurance: "fundInsurance",
  lpRequestDeposit: "vault.requestDeposit (assets escrowed in the vault)",
  lpRequestRedeem: "vault.requestRedeem (shares escrowed in the vault)",
  lpSettleDeposit: "vault.settleRequests: 1 deposit (valued, credited to the engine, shares minted)",
  lpSettleRedeem: "vault.settleRequests: 1 redemption (valued, trader-profit reserve and pnl factors checked)",
  liquidatePartial: "liquidate: partial",
  liquidateFull: "liquidate: full, equity left",
  liquidateBankrupt: "liquidate: full, bankrupt, insurance draw",
  liquidateBatch2: "liquidateBatch: 2 partial liquidations",
  deleverageOneFill: "deleverage: 1 fill (the top-ranked short; carries the call's fixed cost)",
  deleveragePerFill: "deleverage: per fill of a 10-fill call",
} as const;
export type CoreOperation = keyof typeof CORE_OPERATIONS;

type Sent = Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>;

/**
 * Transaction gas of each core operation, keyed as in CORE_OPERATIONS: every entry point in the
 * core state below, and deleverage in the engine benchmark at GAS_FIGURES_POSITIONS positions.
 * These are the figures `npm run bench` reports as `gas.*` and the gas guard compares.
 */
export async function measureCoreGas(ethers: HardhatEthers): Promise<Record<CoreOperation, number>> {
  const adl = await measureEngineGas(ethers, GAS_FIGURES_POSITIONS);
  return { ...(await measureEntryPoints(ethers)), deleverageOneFill: adl.singleFill, deleveragePerFill: adl.perFill };
}

type EntryPoint = Exclude<CoreOperation, "deleverageOneFill" | "deleveragePerFill">;

async function measureEntryPoints(ethers: HardhatEthers): Promise<Record<EntryPoint, number>> {
  const usd = (n: number) => ethers.parseUnits(String(n), 6);
  const eth = (n: number) => ethers.parseUnits(String(n), 18);
  const ETH = 0;
  const MAX = ethers.MaxUint256;

  const [owner, lp, keeper, ...traders] = await ethers.getSigners();
  const { token, engine, vault, markets } = await deployProtocol(ethers, { markets: [{ name: "ETH", initialAnswer: 3000_00000000n }] });
  const feed = markets[ETH].feed;
  const newcomer = traders[12]; // funded, but never deposited
  for (const who of [owner, lp, ...traders.slice(0, 13)]) {
    await token.mint(who.address, usd(10_000_000));
    await token.connect(who).approve(await engine.getAddress(), MAX);
    await token.connect(who).approve(await vault.getAddress(), MAX);
  }
  await depositThroughRequest(ethers.provider, vault.connect(lp), [feed], usd(1_000_000), lp.address);
  await engine.connect(owner).fundInsurance(usd(50_000));
  for (const t of traders.slice(0, 12)) await engine.connect(t).deposit(usd(100_000));
  const deadline = async () => BigInt((await ethers.provider.getBlock("latest"))!.timestamp) + 3600n;

  // Background open interest on both sides.
  await engine.connect(traders[10]).openPosition(ETH, eth(50), usd(20_000), MAX, await deadline(), 0);
  await engine.connect(traders[11]).openPosition(ETH, -eth(40), usd(20_000), 0, await deadline(), 0);

  const gas = {} as Record<EntryPoint, number>;
  const measure = async (operation: EntryPoint, tx: Sent) => {
    gas[operation] = Number((await (await tx).wait())!.gasUsed);
  };

  const [a, b, c, d, e, f] = traders;
  await measure("depositFirst", engine.connect(newcomer).deposit(usd(1_000)));
  await measure("deposit", engine.connect(a).deposit(usd(1_000)));
  await measure("withdraw", engine.connect(a).withdraw(usd(1_000), a.address));
  await measure("openPositionNewBucket", engine.connect(a).openPosition(ETH, eth(10), usd(3_000), MAX, await deadline(), 0));
  // The common case: the same leverage as a position already open, so its bucket is in use.
  await measure("openPosition", engine.connect(traders[6]).openPosition(ETH, eth(10), usd(3_000), MAX, await deadline(), 0));
  await measure("modifyPositionIncrease", engine.connect(a).modifyPosition(ETH, eth(2), MAX, await deadline(), 0));
  await measure("modifyPositionReduce", engine.connect(a).modifyPosition(ETH, -eth(3), 0, await deadline(), 0));
  await measure("addMargin", engine.connect(a).addMargin(ETH, usd(100), 0));
  await measure("removeMargin", engine.connect(a).removeMargin(ETH, usd(100), await deadline(), 0));
  await measure("closePosition", engine.connect(a).closePosition(ETH, 0, await deadline()));
  await measure("fundInsurance", engine.connect(owner).fundInsurance(usd(1_000)));
  const depositRequest = vault.connect(lp).requestDeposit(usd(10_000), lp.address);
  await measure("lpRequestDeposit", depositRequest);
  const redeemRequest = vault.connect(lp).requestRedeem(await vault.previewWithdraw(usd(10_000)), lp.address);
  await measure("lpRequestRedeem", redeemRequest);
  await publishAfterRequests(ethers.provider, vault, [feed]);
  await measure("lpSettleDeposit", vault.connect(keeper).settleRequests([await requestIdOf(vault, await depositRequest)]));
  await measure("lpSettleRedeem", vault.connect(keeper).settleRequests([await requestIdOf(vault, await redeemRequest)]));

  // Liquidations: b partial, c full (tiny equity), d bankrupt, e+f batch.
  await engine.connect(b).openPosition(ETH, eth(30), usd(6_500), MAX, await deadline(), 0);
  await engine.connect(c).openPosition(ETH, eth(5), usd(800), MAX, await deadline(), 0);
  await engine.connect(d).openPosition(ETH, eth(25), usd(3_800), MAX, await deadline(), 0);
  await engine.connect(e).openPosition(ETH, eth(20), usd(4_400), MAX, await deadline(), 0);
  await engine.connect(f).openPosition(ETH, eth(20), usd(4_400), MAX, await deadline(), 0);
  await feed.setAnswer(2820_00000000n);
  const idOf = (t: (typeof traders)[number]) => engine.positionIdOf(t.address, ETH);
  await measure("liquidatePartial", engine.connect(keeper).liquidate(await idOf(b), 0));
  await measure("liquidateFull", engine.connect(keeper).liquidate(await idOf(c), 0));
  await measure("liquidateBankrupt", engine.connect(keeper).liquidate(await idOf(d), 0));
  await measure("liquidateBatch2", engine.connect(keeper).liquidateBatch([await idOf(e), await idOf(f)], []));
  return gas;
}
