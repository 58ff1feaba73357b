// Gas of every core entry point, measured on the embedded Hardhat chain in realistic state
// (a market with open interest on both sides, accounts already funded).
// Run: npm run bench:gas
import { network } from "hardhat";
import { deployProtocol } from "../lib/deployProtocol.ts";
import { printTable } from "../lib/format.ts";

const { ethers } = await network.create();
const usd = (n: number) => ethers.parseUnits(String(n), 6);
const eth = (n: number) => ethers.parseUnits(String(n), 18);
const ETH = 0;

const signers = await ethers.getSigners();
const [owner, lp, keeper, ...traders] = signers;
const { token, engine, vault, markets } = await deployProtocol(ethers, { markets: [{ name: "ETH", initialAnswer: 3000_00000000n }] });
const feed = markets[ETH].feed;
const newcomer = traders[12]; // funded, but never deposited
for (const who of [owner, lp, ...traders.slice(0, 13)]) {
  await token.mint(who.address, usd(10_000_000));
  await token.connect(who).approve(await engine.getAddress(), ethers.MaxUint256);
  await token.connect(who).approve(await vault.getAddress(), ethers.MaxUint256);
}
await vault.connect(lp).deposit(usd(1_000_000), lp.address);
await engine.connect(owner).fundInsurance(usd(50_000));
for (const t of traders.slice(0, 12)) await engine.connect(t).deposit(usd(100_000));
const deadline = async () => BigInt((await ethers.provider.getBlock("latest"))!.timestamp) + 3600n;
const MAX = ethers.MaxUint256;

// Background open interest on both sides.
await engine.connect(traders[10]).openPosition(ETH, eth(50), usd(20_000), MAX, await deadline(), 0);
await engine.connect(traders[11]).openPosition(ETH, -eth(40), usd(20_000), 0, await deadline(), 0);

const rows: { operation: string; gas: number; note: string }[] = [];
async function measure(operation: string, note: string, tx: Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>) {
  const receipt = await (await tx).wait();
  rows.push({ operation, gas: Number(receipt!.gasUsed), note });
}

const [a, b, c, d, e, f] = traders;
await measure("deposit", "first, numbers the account", engine.connect(newcomer).deposit(usd(1_000)));
await measure("deposit", "existing account", engine.connect(a).deposit(usd(1_000)));
await measure("withdraw", "", engine.connect(a).withdraw(usd(1_000), a.address));
await measure(
  "openPosition",
  "new position, first in its ADL bucket",
  engine.connect(a).openPosition(ETH, eth(10), usd(3_000), MAX, await deadline(), 0),
);
// The common case: the same leverage as a position already open, so its bucket is in use.
await measure(
  "openPosition",
  "new position, bucket in use",
  engine.connect(traders[6]).openPosition(ETH, eth(10), usd(3_000), MAX, await deadline(), 0),
);
await measure("modifyPosition", "increase", engine.connect(a).modifyPosition(ETH, eth(2), MAX, await deadline(), 0));
await measure("modifyPosition", "reduce", engine.connect(a).modifyPosition(ETH, -eth(3), 0, await deadline(), 0));
await measure("addMargin", "no oracle read", engine.connect(a).addMargin(ETH, usd(100), 0));
await measure("removeMargin", "", engine.connect(a).removeMargin(ETH, usd(100), await deadline(), 0));
await measure("closePosition", "", engine.connect(a).closePosition(ETH, 0, await deadline()));
await measure("fundInsurance", "", engine.connect(owner).fundInsurance(usd(1_000)));
await measure("vault.deposit", "ERC-4626", vault.connect(lp).deposit(usd(10_000), lp.address));
await measure("vault.withdraw", "ERC-4626, reserve checked", vault.connect(lp).withdraw(usd(10_000), lp.address, lp.address));

// Liquidations: b partial, c full (tiny equity), d bankrupt, e+f batch.
await engine.connect(b).openPosition(ETH, eth(30), usd(6_500), MAX, await deadline(), 0);
await engine.connect(c).openPosition(ETH, eth(5), usd(800), MAX, await deadline(), 0);
await engine.connect(d).openPosition(ETH, eth(25), usd(3_800), MAX, await deadline(), 0);
await engine.connect(e).openPosition(ETH, eth(20), usd(4_400), MAX, await deadline(), 0);
await engine.connect(f).openPosition(ETH, eth(20), usd(4_400), MAX, await deadline(), 0);
await feed.setAnswer(2820_00000000n);
const idOf = (t: (typeof traders)[number]) => engine.positionIdOf(t.address, ETH);
await measure("liquidate", "partial", engine.connect(keeper).liquidate(await idOf(b), 0));
await measure("liquidate", "full, equity left", engine.connect(keeper).liquidate(await idOf(c), 0));
await measure("liquidate", "full, bankrupt, insurance draw", engine.connect(keeper).liquidate(await idOf(d), 0));
await measure("liquidateBatch", "2 partial liquidations", engine.connect(keeper).liquidateBatch([await idOf(e), await idOf(f)], []));

printTable(rows.map((r) => ({ operation: r.operation, note: r.note, gas: r.gas })));
