// The main job: starts an embedded Hardhat chain, deploys the protocol, has several traders request
// positions as orders that the real keeper executes at the next price round, gaps the price down,
// and lets the keeper liquidate what is underwater (one position bankrupt: it drains the insurance
// fund and ADL covers the rest in exact rank order), then checks solvency. Run with `npm start`.
import { network } from "hardhat";
import { rankSide } from "../client/adl.ts";
import { deployProtocol } from "./lib/deployProtocol.ts";
import { embeddedKeeper } from "./lib/embeddedKeeper.ts";
import { fmtUsd, fmtWad, printTable } from "./lib/format.ts";
import { devPrivateKey } from "./lib/localChain.ts";
import { createdOrderId, marketOrder } from "./lib/orders.ts";
import { openPositionsOf } from "./lib/positions.ts";

const { ethers, provider } = await network.create();
const usd = (n: number) => ethers.parseUnits(String(n), 6);
const eth = (n: number) => ethers.parseUnits(String(n), 18);
const ETH = 0;

const signers = await ethers.getSigners();
const [owner, lp, keeper] = signers;
const traders = signers.slice(3, 11);
const { token, engine, vault, lens, markets, addressBook } = await deployProtocol(ethers, {
  markets: [{ name: "ETH", initialAnswer: 3000_00000000n }],
});
const feed = markets[ETH].feed;
const engineAddress = await engine.getAddress();
console.log(`Deployed engine ${engineAddress}, vault ${await vault.getAddress()}, lens ${await lens.getAddress()}`);

async function fund(who: (typeof signers)[number], amount: bigint) {
  await (await token.mint(who.address, amount)).wait();
  await (await token.connect(who).approve(engineAddress, ethers.MaxUint256)).wait();
  await (await token.connect(who).approve(await vault.getAddress(), ethers.MaxUint256)).wait();
}

await fund(lp, usd(1_000_000));
await (await vault.connect(lp).deposit(usd(1_000_000), lp.address)).wait();
await fund(owner, usd(500));
await (await engine.connect(owner).fundInsurance(usd(500))).wait();
console.log(`LP deposited 1,000,000 into the vault; insurance fund seeded with 500.\n`);

// [size in ETH, margin in USD]: a mix of safe, stretched and over-leveraged positions.
// At $2,820 three longs are cut partially back above maintenance plus the buffer, and the 20x
// long is bankrupt: it is closed in full, its deficit drains the small insurance fund, and the rest
// is taken from the top-ranked profitable shorts by ADL, at the bankruptcy price.
const book: [number, number][] = [
  [5, 1_000],
  [20, 4_400],
  [2, 1_000],
  [30, 6_500],
  [-10, 3_000],
  [-30, 5_000],
  [-5, 900],
  [25, 3_800],
];
// Trading is two-step: each trader requests a market order (its margin and the execution fee are
// escrowed), and any keeper executes it at the first price round published after the request, so
// nobody trades on a price they saw coming.
const executionFee = (await engine.orderSettings()).minExecutionFee;
const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
const orderIds: bigint[] = [];
for (const [i, [sizeEth, margin]] of book.entries()) {
  const trader = traders[i];
  await fund(trader, usd(margin) + executionFee);
  await (await engine.connect(trader).deposit(usd(margin) + executionFee)).wait();
  const request = marketOrder({ marketId: ETH, sizeDelta: eth(sizeEth), marginIn: usd(margin), executionFee, now });
  orderIds.push(await createdOrderId(engine, await engine.connect(trader).createOrder(request)));
}
console.log(
  `${orderIds.length} traders requested market orders (ids ${orderIds.join(", ")}); the feed publishes its next round at $3,000.`,
);
await (await feed.setAnswer(3000_00000000n)).wait();

// The real keeper (keeper/), pointed at this embedded chain: each tick indexes positions and
// orders, liquidates the liquidatable positions most underwater first, deleverages any side that
// owes ADL debt, then executes the pending orders that a published price can fill.
const { tick: keeperTick, metrics } = await embeddedKeeper(provider, addressBook, devPrivateKey(signers.indexOf(keeper)));
await keeperTick();
const ids: bigint[] = [];
for (const trader of traders.slice(0, book.length)) ids.push(await engine.positionIdOf(trader.address, ETH));
const executed = (await metrics.ordersExecuted.get()).values[0]?.value ?? 0;
console.log(
  `Keeper tick 0: executed ${executed} of ${orderIds.length} orders, earning ${fmtUsd(await engine.freeBalance(keeper.address))} in execution fees.\n`,
);
if (executed !== orderIds.length || ids.includes(0n)) {
  console.error("Demo check failed: the keeper did not execute every order.");
  process.exit(1);
}

async function printPositions(title: string) {
  console.log(title);
  const health = await lens.positionHealthBatch(ids);
  printTable(
    health
      .filter((h) => h.size !== 0n)
      .map((h) => ({
        id: Number(h.positionId),
        side: h.size > 0n ? "long" : "short",
        "size ETH": fmtWad(h.size < 0n ? -h.size : h.size),
        margin: fmtUsd(h.margin),
        equity: fmtUsd(h.equity),
        "margin ratio": fmtWad(h.marginRatio),
        "liq price": fmtWad(h.liquidationPrice),
        "bankrupt price": fmtWad(h.bankruptcyPrice),
        status: h.bankrupt ? "BANKRUPT" : h.liquidatable ? "liquidatable" : "healthy",
      })),
  );
  console.log();
}

await printPositions("Open positions at $3,000:");
const insuranceBefore = await engine.insuranceFund();
const assetsBefore = await vault.totalAssets();

await (await feed.setAnswer(2820_00000000n)).wait();
console.log("Oracle gaps down 6% to $2,820.\n");
await printPositions("Positions at $2,820:");

// The same keeper ticks again; ticks repeat (a large position can need more than one chunk), bounded.
let adlChecked = 0;
for (let tick = 1; tick <= 10; tick++) {
  const due = (await lens.positionHealthBatch(ids)).filter((h) => h.size !== 0n && h.liquidatable);
  if (due.length === 0) break;
  const shortsBefore = await openPositionsOf(engine, ids, false);
  const fromBlock = (await ethers.provider.getBlockNumber()) + 1;
  await keeperTick();
  const events = async (name: "Liquidated" | "AdlFill") =>
    (await engine.queryFilter(engine.filters[name](), fromBlock)).map((e) => (e as unknown as { args: Record<string, bigint> }).args);
  const liquidations = (await events("Liquidated")).map((args) => ({
    tick,
    id: Number(args.positionId),
    "closed ETH": fmtWad(args.closedSize < 0n ? -args.closedSize : args.closedSize),
    "equity before": fmtUsd(args.equityBefore),
    "keeper reward": fmtUsd(args.keeperReward),
    penalty: fmtUsd(args.penalty),
    "deficit (insurance, then ADL)": fmtUsd(args.deficit),
  }));
  console.log(`Keeper tick ${tick}: liquidated ${liquidations.length} position(s)`);
  printTable(liquidations);
  const fills = await events("AdlFill");
  if (fills.length > 0) {
    // The ADL fills must be exactly the brute-force top of the shorts' ranking at this price.
    const x = 2820n * 10n ** 18n - (await engine.marketState(ETH)).fundingIndex;
    const expected = rankSide(shortsBefore, x, await engine.valueDivisor()).map((r) => r.position.id);
    const inOrder = fills.every((f, i) => f.positionId === expected[i]);
    console.log(`\nADL: ${fills.length} fill(s) against the top-ranked shorts, ${inOrder ? "exactly in rank order" : "OUT OF RANK ORDER"}`);
    printTable(
      fills.map((f) => ({
        id: Number(f.positionId),
        "closed ETH": fmtWad(f.closedSize),
        "fill price": fmtWad(f.fillPrice),
        "realised PnL": fmtUsd(f.realisedPnl),
        haircut: fmtUsd(f.haircut),
        "debt left": fmtUsd(f.remainingDebt),
      })),
    );
    if (!inOrder) process.exit(1);
    adlChecked += fills.length;
  }
  console.log();
}

await printPositions("Positions after liquidation:");
const insuranceAfter = await engine.insuranceFund();
const state = await engine.marketState(ETH);
console.log(`Insurance fund: ${fmtUsd(insuranceBefore)} -> ${fmtUsd(insuranceAfter)}`);
console.log(`ADL debt outstanding: longs ${fmtUsd(state.longAdlDebt)}, shorts ${fmtUsd(state.shortAdlDebt)}`);
console.log(`Vault total assets: ${fmtUsd(assetsBefore)} -> ${fmtUsd(await vault.totalAssets())}`);
console.log(`Keeper earned (execution fees and liquidation rewards): ${fmtUsd(await engine.freeBalance(keeper.address))}`);

// Solvency: the engine must hold at least every ledger it owes, pending orders' escrow included.
// (Price impact is paid into the vault's cash; the market's impact pool only caps later rebates.)
let owed = (await engine.insuranceFund()) + (await engine.vaultCash()) + (await engine.freeBalance(keeper.address));
owed += await engine.orderEscrow();
for (const [i, id] of ids.entries()) {
  owed += await engine.freeBalance(traders[i].address);
  owed += (await engine.position(id)).margin;
}
const held = await token.balanceOf(engineAddress);
console.log(`\nSolvency: engine holds ${fmtUsd(held)}, owes ${fmtUsd(owed)} -> ${held >= owed ? "SOLVENT" : "INSOLVENT"}`);
if (held < owed || adlChecked === 0) {
  console.error("Demo check failed: insolvent, or the bankruptcy's deficit was not covered by ADL.");
  process.exit(1);
}
