// Gas of the ADL queue and of ADL fills at 10, 100, 1,000 and 10,000 positions in the queue.
// Run: npm run bench:adl
//
// Part 1 measures the queue library alone (AdlQueueBench): insert into the middle of a bucket with
// an exact hint, remove from the middle, and the queue work of one full ADL fill (find the best
// bucket head and unlink it), with the bucket count held fixed so only the queue size varies, and
// with a realistic spread of buckets. Part 2 measures the engine (EngineBench, the real engine plus
// bulk seeding): opening and closing a position, and pool-protection deleverage fills.
import { network } from "hardhat";
import { bucketOf } from "../../client/adl.ts";
import { predictTrade } from "../../client/predict.ts";
import { printTable } from "../lib/format.ts";
import { defaultMarketConfig } from "../lib/marketConfig.ts";

const { ethers } = await network.create();
const [owner, trader] = await ethers.getSigners();
const SIZES = (process.env.ADL_BENCH_SIZES ?? "10,100,1000,10000").split(",").map(Number);
// Positions seeded per transaction, within the block gas limit.
const QUEUE_SEED_CHUNK = 150;
const SEED_CHUNK = 75;
const gasOf = async (tx: Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>) => Number((await (await tx).wait())!.gasUsed);

const adlQueue = await ethers.deployContract("AdlQueue");
const libraries = { "project/contracts/adl/AdlQueue.sol:AdlQueue": await adlQueue.getAddress() };

async function queueOnly(n: number, buckets: number) {
  const bench = await (await ethers.getContractFactory("AdlQueueBench", { libraries })).deploy();
  const first = 500; // a realistic slope range
  for (let seeded = 0; seeded < n; seeded += QUEUE_SEED_CHUNK) {
    await (await bench.seed(Math.min(QUEUE_SEED_CHUNK, n - seeded), first, buckets)).wait();
  }
  // A node with a successor in its bucket, near the middle of the queue: the new key lands
  // between the two, so every size pays for relinking both neighbours.
  let middle = BigInt(Math.floor(n / 2) + 1);
  let node = await bench.position(middle);
  while (node.adlNext === 0n && middle > 1n) node = await bench.position(--middle);
  /** "operation gas (transaction gas)": the harness logs the library call's own gas. */
  const measure = async (tx: ReturnType<typeof bench.remove>) => {
    const receipt = (await (await tx).wait())!;
    const opGas = bench.interface.parseLog(receipt.logs[receipt.logs.length - 1])!.args.gas;
    return `${opGas} (tx ${receipt.gasUsed})`;
  };
  const insert = await measure(bench.insert(await bench.bucketOf(middle), node.entryPrice - node.fundingSnapshot + 1n, middle));
  const remove = await measure(bench.remove(BigInt(Math.floor(n / 3) + 1)));
  const takeBest = await measure(bench.takeBest(10n ** 30n));
  return { insert, remove, takeBest };
}

async function engineLevel(n: number) {
  const token = await ethers.deployContract("TestToken", ["Test USD", "tUSD", 6]);
  const liquidationModule = await (await ethers.getContractFactory("LiquidationModule", { libraries })).deploy(await token.getAddress());
  const governanceModule = await ethers.deployContract("GovernanceModule", [await token.getAddress()]);
  const engine = await (
    await ethers.getContractFactory("EngineBench", { libraries })
  ).deploy(await token.getAddress(), await liquidationModule.getAddress(), await governanceModule.getAddress());
  const vault = await ethers.deployContract("LiquidityVault", [await token.getAddress(), await engine.getAddress(), "V", "V"]);
  await engine.setVault(await vault.getAddress());
  const lens = await ethers.deployContract("PerpLens", [await engine.getAddress()]);
  const feed = await ethers.deployContract("SettableAggregator", [8, "ETH / USD", 3000_00000000n]);
  const oracle = await ethers.deployContract("ChainlinkPriceOracle", [
    await feed.getAddress(),
    3600,
    ethers.ZeroAddress,
    0,
    1n,
    10n ** 17n,
  ]);
  const config = defaultMarketConfig(await oracle.getAddress(), 6);
  config.maxShortSize = config.maxLongSize = 100_000n * 10n ** 18n;
  config.maxPnlFactor = 10n ** 12n; // pool-protection ADL is always due, so fills can be measured
  config.targetPnlFactor = 5n * 10n ** 11n;
  await engine.listMarket(config);
  for (const who of [owner, trader]) {
    await token.mint(who.address, 10n ** 18n);
    await token.connect(who).approve(await engine.getAddress(), ethers.MaxUint256);
    await token.connect(who).approve(await vault.getAddress(), ethers.MaxUint256);
  }
  await vault.deposit(10n ** 15n, owner.address);
  await engine.connect(trader).deposit(10n ** 12n);

  // n profitable 1 ETH shorts (entered around $3,300) spread over 53 leverage steps, 1x to 20x.
  const size = 10n ** 18n;
  const notional = 3300n * 10n ** 6n;
  const margins = Array.from({ length: n }, (_, i) => (notional * 10n ** 6n) / BigInt(Math.round(20 ** ((i % 53) / 52) * 1e6)));
  for (let seeded = 0; seeded < n; seeded += SEED_CHUNK) {
    await (await engine.seedPositions(0, false, size, 3300n * 10n ** 18n, margins.slice(seeded, seeded + SEED_CHUNK))).wait();
  }
  const nonEmptyBuckets = (await engine.queueBuckets(0, false)).reduce(
    (count, word) => count + word.toString(2).replace(/0/g, "").length,
    0,
  );

  // Open and close one more short, with an exact hint for the block it lands in.
  const state = await engine.marketState(0);
  const timestamp = BigInt((await ethers.provider.getBlock("latest"))!.timestamp) + 1n;
  const params = {
    tradingFeeRate: config.tradingFeeRate,
    maxFundingRatePerSecond: config.maxFundingRatePerSecond,
    skewScale: config.skewScale,
    valueDivisor: 10n ** 30n,
  };
  const empty = { size: 0n, margin: 0n, entryPrice: 0n, fundingSnapshot: 0n };
  const predicted = predictTrade(
    empty,
    state,
    params,
    { sizeDelta: -size, marginIn: 1_000n * 10n ** 6n, marginOut: 0n },
    3000n * 10n ** 18n,
    timestamp,
  );
  const hint = await lens.adlInsertHint(0, false, bucketOf(size, predicted.margin, 10n ** 30n), predicted.k, 0);
  await ethers.provider.send("evm_setNextBlockTimestamp", [Number(timestamp)]);
  const open = await gasOf(engine.connect(trader).openPosition(0, -size, 1_000n * 10n ** 6n, 0, timestamp + 600n, hint));
  const close = await gasOf(engine.connect(trader).closePosition(0, ethers.MaxUint256, timestamp + 600n));

  // One fill, then a multi-fill deleverage over the next top-ranked shorts.
  const fills = Math.min(10, Math.floor(n / 2));
  const [first] = await lens.adlRanking(0, false, 1);
  const singleFill = await gasOf(engine.deleverage(0, false, first.length, size, 0));
  const [ids] = await lens.adlRanking(0, false, fills);
  const multi = await gasOf(engine.deleverage(0, false, ids.length, size * BigInt(fills), 0));
  return { nonEmptyBuckets, open, close, singleFill, perFill: Math.round(multi / fills), fills };
}

const queueRows = [];
for (const n of SIZES) {
  const fixed = await queueOnly(n, 8);
  const spread = await queueOnly(n, Math.min(n, 53));
  queueRows.push({
    positions: n,
    "insert (8 buckets)": fixed.insert,
    "remove (8 buckets)": fixed.remove,
    "best+unlink (8 buckets)": fixed.takeBest,
    "insert (53 buckets)": spread.insert,
    "remove (53 buckets)": spread.remove,
    "best+unlink (53 buckets)": spread.takeBest,
  });
}
console.log("Queue library alone: the operation's own gas (the whole transaction's in brackets):");
printTable(queueRows);

const engineRows = [];
for (const n of SIZES) {
  const r = await engineLevel(n);
  engineRows.push({
    positions: n,
    "non-empty buckets": r.nonEmptyBuckets,
    openPosition: r.open,
    closePosition: r.close,
    "deleverage, 1 fill": r.singleFill,
    [`per fill, multi-fill`]: `${r.perFill} (${r.fills} fills)`,
  });
}
console.log("\nEngine, transaction gas:");
printTable(engineRows);
const growth = (key: string, rows: Record<string, number | string>[]) =>
  (Number(String(rows.at(-1)![key]).split(" ")[0]) / Number(String(rows[0][key]).split(" ")[0])).toFixed(3);
console.log(`\nGrowth from ${SIZES[0]} to ${SIZES.at(-1)} positions:`);
for (const key of [
  "insert (8 buckets)",
  "remove (8 buckets)",
  "best+unlink (8 buckets)",
  "insert (53 buckets)",
  "remove (53 buckets)",
  "best+unlink (53 buckets)",
]) {
  console.log(`  queue ${key}: ${growth(key, queueRows)}x`);
}
for (const key of ["openPosition", "closePosition", "deleverage, 1 fill", "per fill, multi-fill"])
  console.log(`  engine ${key}: ${growth(key, engineRows)}x`);
