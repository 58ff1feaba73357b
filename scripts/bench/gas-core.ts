// Gas of every core entry point, measured on the embedded Hardhat chain in realistic state
// (a market with open interest on both sides, accounts already funded). Used by `npm run bench`
// and by the gas guard (scripts/bench/gas-guard.ts).
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { deployProtocol } from "../lib/deployProtocol.ts";
import { chainlinkProof, createdOrderId, marketOrder, type OrderRequest } from "../lib/orders.ts";
import { measureEngineGas } from "./gas-adl.ts";

/** Positions in the engine benchmark behind the deleverage figures: enough to fill 36 ADL buckets. */
export const GAS_FIGURES_POSITIONS = 100;

/** What each measured operation is, for the tables in BENCHMARKS.md. */
export const CORE_OPERATIONS = {
  depositFirst: "deposit: first, numbers the account",
  deposit: "deposit: existing account",
  withdraw: "withdraw",
  createOrder: "createOrder: a market order, margin and fee escrowed",
  cancelOrder: "cancelOrder: by its owner, escrow returned",
  executeOrderOpenNewBucket: "executeOrder: opens a position, first in its ADL bucket (Chainlink round proof)",
  executeOrderOpen: "executeOrder: opens a position, bucket in use (joins at the bucket's head)",
  executeOrderIncrease: "executeOrder: increase",
  executeOrderReduce: "executeOrder: reduce",
  executeOrderRemoveMargin: "executeOrder: margin withdrawal",
  executeOrderClose: "executeOrder: reduce-only close",
  executeOrders2: "executeOrders: 2 opening market orders",
  addMargin: "addMargin (immediate, no oracle read)",
  fundInsurance: "fundInsurance",
  vaultDeposit: "vault.deposit (ERC-4626)",
  vaultWithdraw: "vault.withdraw (ERC-4626, trader-profit reserve checked)",
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
  await vault.connect(lp).deposit(usd(1_000_000), lp.address);
  await engine.connect(owner).fundInsurance(usd(50_000));
  for (const t of traders.slice(0, 12)) await engine.connect(t).deposit(usd(100_000));
  const now = async () => BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  const fee = (await engine.orderSettings()).minExecutionFee;
  const place = async (trader: (typeof traders)[number], fields: Partial<OrderRequest>) =>
    createdOrderId(
      engine,
      await engine.connect(trader).createOrder(marketOrder({ marketId: ETH, executionFee: fee, now: await now(), ...fields })),
    );
  /** The next round at the same price: what a market order placed before it fills at. */
  const nextRound = async () => {
    await (await feed.setAnswer(3000_00000000n)).wait();
    return chainlinkProof((await feed.latestRoundData())[0]);
  };
  const trade = async (trader: (typeof traders)[number], fields: Partial<OrderRequest>) => {
    const id = await place(trader, fields);
    return engine.connect(keeper).executeOrder(id, await nextRound(), 0);
  };

  // Background open interest on both sides.
  await trade(traders[10], { sizeDelta: eth(50), marginIn: usd(20_000) });
  await trade(traders[11], { sizeDelta: -eth(40), marginIn: usd(20_000) });

  const gas = {} as Record<EntryPoint, number>;
  const measure = async (operation: EntryPoint, tx: Sent) => {
    gas[operation] = Number((await (await tx).wait())!.gasUsed);
  };
  const measureOrder = async (operation: EntryPoint, trader: (typeof traders)[number], fields: Partial<OrderRequest>) => {
    const id = await place(trader, fields);
    await measure(operation, engine.connect(keeper).executeOrder(id, await nextRound(), 0));
  };

  const [a, b, c, d, e, f] = traders;
  await measure("depositFirst", engine.connect(newcomer).deposit(usd(1_000)));
  await measure("deposit", engine.connect(a).deposit(usd(1_000)));
  await measure("withdraw", engine.connect(a).withdraw(usd(1_000), a.address));
  const opening = { marketId: ETH, executionFee: fee, sizeDelta: eth(1), marginIn: usd(500) };
  await measure("createOrder", engine.connect(traders[7]).createOrder(marketOrder({ ...opening, now: await now() })));
  await ethers.provider.send("evm_increaseTime", [Number((await engine.orderSettings()).cancelDelay)]);
  await measure("cancelOrder", engine.connect(traders[7]).cancelOrder(await engine.orderCount()));
  await measureOrder("executeOrderOpenNewBucket", a, { sizeDelta: eth(10), marginIn: usd(3_000) });
  // The common case: the same leverage as a position already open, so its bucket is in use.
  await measureOrder("executeOrderOpen", traders[6], { sizeDelta: eth(10), marginIn: usd(3_000) });
  await measureOrder("executeOrderIncrease", a, { sizeDelta: eth(2) });
  await measureOrder("executeOrderReduce", a, { sizeDelta: -eth(3) });
  await measure("addMargin", engine.connect(a).addMargin(ETH, usd(100), 0));
  await measureOrder("executeOrderRemoveMargin", a, { marginOut: usd(100) });
  await measureOrder("executeOrderClose", a, { sizeDelta: -eth(1_000), reduceOnly: true });
  const batch = [
    await place(traders[7], { sizeDelta: eth(1), marginIn: usd(500) }),
    await place(traders[8], { sizeDelta: -eth(1), marginIn: usd(500) }),
  ];
  const batchProof = await nextRound();
  await measure("executeOrders2", engine.connect(keeper).executeOrders(batch, [batchProof, batchProof], [0, 0]));
  await measure("fundInsurance", engine.connect(owner).fundInsurance(usd(1_000)));
  await measure("vaultDeposit", vault.connect(lp).deposit(usd(10_000), lp.address));
  await measure("vaultWithdraw", vault.connect(lp).withdraw(usd(10_000), lp.address, lp.address));

  // Liquidations: b partial, c full (tiny equity), d bankrupt, e+f batch.
  await trade(b, { sizeDelta: eth(30), marginIn: usd(6_500) });
  await trade(c, { sizeDelta: eth(5), marginIn: usd(800) });
  await trade(d, { sizeDelta: eth(25), marginIn: usd(3_800) });
  await trade(e, { sizeDelta: eth(20), marginIn: usd(4_400) });
  await trade(f, { sizeDelta: eth(20), marginIn: usd(4_400) });
  await feed.setAnswer(2820_00000000n);
  const idOf = (t: (typeof traders)[number]) => engine.positionIdOf(t.address, ETH);
  await measure("liquidatePartial", engine.connect(keeper).liquidate(await idOf(b), 0));
  await measure("liquidateFull", engine.connect(keeper).liquidate(await idOf(c), 0));
  await measure("liquidateBankrupt", engine.connect(keeper).liquidate(await idOf(d), 0));
  await measure("liquidateBatch2", engine.connect(keeper).liquidateBatch([await idOf(e), await idOf(f)], []));
  return gas;
}
