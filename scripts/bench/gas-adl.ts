// Gas of the ADL queue and of ADL fills at 10 to 10,000 positions in the queue. Used by `npm run bench`
// (the sizes come from its options) and by the gas guard (the engine at a small n).
//
// The queue library alone (AdlQueueBench): insert into the middle of a bucket with an exact hint,
// remove from the middle, and the queue work of one full ADL fill (find the best bucket head and
// unlink it), with the bucket count held fixed so only the queue size varies, and with a realistic
// spread of buckets. The engine (EngineBench, the real engine plus bulk seeding, deployed by
// deployProtocol like the engine itself): opening and closing a position, and pool-protection
// deleverage fills.
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { bucketOf } from "../../client/adl.ts";
import { predictTrade } from "../../client/predict.ts";
import type { EngineBench } from "../../types/ethers-contracts/index.ts";
import { deployProtocol } from "../lib/deployProtocol.ts";
import { depositThroughRequest } from "../lib/lpRequests.ts";
import { chainlinkProof, createdOrderId, marketOrder, type OrderRequest } from "../lib/orders.ts";
import { ENGINE_BENCH_MARKET, gasOf } from "./engineBenchMarket.ts";

// Positions seeded per transaction, within the block gas limit.
const QUEUE_SEED_CHUNK = 150;
const SEED_CHUNK = 75;

/** The library call's own gas (logged by the harness) and the whole transaction's. */
export interface QueueOpGas {
  op: number;
  tx: number;
}

export async function measureQueueGas(ethers: HardhatEthers, n: number, buckets: number) {
  const adlQueue = await ethers.deployContract("AdlQueue");
  const libraries = { "project/contracts/adl/AdlQueue.sol:AdlQueue": await adlQueue.getAddress() };
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
  const measure = async (tx: ReturnType<typeof bench.remove>): Promise<QueueOpGas> => {
    const receipt = (await (await tx).wait())!;
    const op = bench.interface.parseLog(receipt.logs[receipt.logs.length - 1])!.args.gas;
    return { op: Number(op), tx: Number(receipt.gasUsed) };
  };
  const insert = await measure(bench.insert(await bench.bucketOf(middle), node.entryPrice - node.fundingSnapshot + 1n, middle));
  const remove = await measure(bench.remove(BigInt(Math.floor(n / 3) + 1)));
  const bestUnlink = await measure(bench.takeBest(10n ** 30n));
  return { insert, remove, bestUnlink };
}
export type QueueGas = Awaited<ReturnType<typeof measureQueueGas>>;

/** Transaction gas of the engine's queue-touching operations with `n` profitable shorts seeded. */
export async function measureEngineGas(ethers: HardhatEthers, n: number) {
  const [owner, trader] = await ethers.getSigners();
  const {
    token,
    engine: deployed,
    vault,
    lens,
    markets,
  } = await deployProtocol(ethers, {
    engineContract: "EngineBench",
    markets: [ENGINE_BENCH_MARKET],
  });
  const engine = deployed as unknown as EngineBench;
  const config = await engine.marketConfig(0);
  for (const who of [owner, trader]) {
    await token.mint(who.address, 10n ** 18n);
    await token.connect(who).approve(await engine.getAddress(), ethers.MaxUint256);
    await token.connect(who).approve(await vault.getAddress(), ethers.MaxUint256);
  }
  await depositThroughRequest(ethers.provider, vault, [markets[0].feed], 10n ** 15n, owner.address);
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

  // Open and close one more short through orders, with an exact hint for the block the open fills in.
  const feed = markets[0].feed;
  const executionFee = (await engine.orderSettings()).minExecutionFee;
  const latest = async () => BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  /** Requests `fields`, publishes the round that fills it, and returns the order and its proof. */
  const request = async (fields: Partial<OrderRequest>) => {
    const id = await createdOrderId(
      engine,
      await engine.connect(trader).createOrder(marketOrder({ marketId: 0, executionFee, now: await latest(), ...fields })),
    );
    await (await feed.setAnswer(3000_00000000n)).wait();
    return { id, proof: chainlinkProof((await feed.latestRoundData())[0]) };
  };
  const opening = await request({ sizeDelta: -size, marginIn: 1_000n * 10n ** 6n });
  const state = await engine.marketState(0);
  const timestamp = (await latest()) + 1n;
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
  const open = await gasOf(engine.connect(owner).executeOrder(opening.id, opening.proof, hint));
  const closing = await request({ sizeDelta: size, reduceOnly: true });
  const close = await gasOf(engine.connect(owner).executeOrder(closing.id, closing.proof, 0));

  // One fill, then a multi-fill deleverage over the next top-ranked shorts.
  const fills = Math.min(10, Math.floor(n / 2));
  const [first] = await lens.adlRanking(0, false, 1);
  const singleFill = await gasOf(engine.deleverage(0, false, first.length, size, 0));
  const [ids] = await lens.adlRanking(0, false, fills);
  const multi = await gasOf(engine.deleverage(0, false, ids.length, size * BigInt(fills), 0));
  return { nonEmptyBuckets, open, close, singleFill, perFill: Math.round(multi / fills), fills };
}

export type EngineGas = Awaited<ReturnType<typeof measureEngineGas>>;

/** Every size's queue gas (8 buckets, and min(n, 53) buckets: a real book's spread) and engine gas. */
export async function measureAdlGas(ethers: HardhatEthers, sizes: number[]) {
  const rows = [];
  for (const n of sizes) {
    const fixed = await measureQueueGas(ethers, n, 8);
    const spread = await measureQueueGas(ethers, n, Math.min(n, 53));
    rows.push({ positions: n, queue8: fixed, queue53: spread, engine: await measureEngineGas(ethers, n) });
  }
  const [first, last] = [rows[0], rows.at(-1)!];
  const ratio = (a: number, b: number) => Math.round((b / a) * 1000) / 1000;
  // gas at the largest size / gas at the smallest (10,000 / 10 in a full run), for every queue-touching operation
  const growth = {
    queueInsert: ratio(first.queue8.insert.op, last.queue8.insert.op),
    queueRemove: ratio(first.queue8.remove.op, last.queue8.remove.op),
    queueBestUnlink: ratio(first.queue8.bestUnlink.op, last.queue8.bestUnlink.op),
    queueInsertSpread: ratio(first.queue53.insert.op, last.queue53.insert.op),
    queueRemoveSpread: ratio(first.queue53.remove.op, last.queue53.remove.op),
    queueBestUnlinkSpread: ratio(first.queue53.bestUnlink.op, last.queue53.bestUnlink.op),
    executeOrderOpen: ratio(first.engine.open, last.engine.open),
    executeOrderClose: ratio(first.engine.close, last.engine.close),
    deleverageOneFill: ratio(first.engine.singleFill, last.engine.singleFill),
    deleveragePerFill: ratio(first.engine.perFill, last.engine.perFill),
  };
  return { rows, growth };
}
