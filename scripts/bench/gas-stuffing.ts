// Gas under the bucket-stuffing attack (issue 7's liveness work): `n` positions stuffed into the one
// ADL bucket a victim's position lands in. Part of `npm run bench` (part "stuffing").
//
// The engine (EngineBench: the real engine plus bulk seeding) with n 1 ETH shorts at 10x, all in one
// bucket, entered at $3,300 (profitable at $3,000, so they rank ahead of a newcomer). A trader then
// opens a further short into that bucket: with the exact hint (the bucket's tail, from the lens),
// and from the same state with hint 0, as a stale or griefed hint degrades to, which walks the
// bucket from its head past all n. Then the trader closes it (an unlink), and one pool-protection
// ADL fill takes the stuffed bucket's head. On a chain with a 200M block gas limit, so that the
// hint-0 walk is measured even where it would not fit a real block.
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { network } from "hardhat";
import { bucketOf } from "../../client/adl.ts";
import { predictTrade } from "../../client/predict.ts";
import type { EngineBench } from "../../types/ethers-contracts/index.ts";
import { deployProtocol } from "../lib/deployProtocol.ts";
import { depositThroughRequest } from "../lib/lpRequests.ts";
import { ENGINE_BENCH_MARKET, gasOf } from "./engineBenchMarket.ts";

const SEED_CHUNK = 75;
const DIVISOR = 10n ** 30n;

export interface StuffingRow {
  positions: number;
  openExactHint: number;
  openStaleHint: number;
  close: number;
  deleverageOneFill: number;
}

async function measureStuffed(ethers: HardhatEthers, n: number): Promise<StuffingRow> {
  const [owner, trader] = await ethers.getSigners();
  const deployed = await deployProtocol(ethers, {
    engineContract: "EngineBench",
    markets: [ENGINE_BENCH_MARKET],
  });
  const { token, vault, lens, markets } = deployed;
  const engine = deployed.engine as unknown as EngineBench;
  for (const who of [owner, trader]) {
    await (await token.mint(who.address, 10n ** 18n)).wait();
    await (await token.connect(who).approve(await engine.getAddress(), ethers.MaxUint256)).wait();
    await (await token.connect(who).approve(await vault.getAddress(), ethers.MaxUint256)).wait();
  }
  await depositThroughRequest(ethers.provider, vault, [markets[0].feed], 10n ** 15n, owner.address);
  await (await engine.connect(trader).deposit(10n ** 12n)).wait();

  const size = 10n ** 18n;
  const stuffedMargin = 330n * 10n ** 6n; // 10x at $3,300
  for (let seeded = 0; seeded < n; seeded += SEED_CHUNK) {
    const margins = Array.from({ length: Math.min(SEED_CHUNK, n - seeded) }, () => stuffedMargin);
    await (await engine.seedPositions(0, false, size, 3300n * 10n ** 18n, margins)).wait();
  }
  const bucket = bucketOf(size, stuffedMargin, DIVISOR);

  // The trader's short, predicted for the block it lands in, with a margin that keeps it in the bucket.
  const config = await engine.marketConfig(0);
  const state = await engine.marketState(0);
  const timestamp = BigInt((await ethers.provider.getBlock("latest"))!.timestamp) + 1n;
  const params = {
    tradingFeeRate: config.tradingFeeRate,
    maxFundingRatePerSecond: config.maxFundingRatePerSecond,
    skewScale: config.skewScale,
    valueDivisor: DIVISOR,
  };
  const empty = { size: 0n, margin: 0n, entryPrice: 0n, fundingSnapshot: 0n };
  const marginIn = stuffedMargin + 2n * 10n ** 6n; // the fee (~$1.50) comes out of it
  const predicted = predictTrade(empty, state, params, { sizeDelta: -size, marginIn, marginOut: 0n }, 3000n * 10n ** 18n, timestamp);
  if (bucketOf(size, predicted.margin, DIVISOR) !== bucket) throw new Error("stuffing: the trader's short misses the stuffed bucket");
  const exactHint = await lens.adlInsertHint(0, false, bucket, predicted.k, 0);
  const open = (hint: bigint) => engine.connect(trader).openPosition(0, -size, marginIn, 0, timestamp + 600n, hint);

  const snapshot = await ethers.provider.send("evm_snapshot", []);
  await ethers.provider.send("evm_setNextBlockTimestamp", [Number(timestamp)]);
  const openStaleHint = await gasOf(open(0n));
  // The attack's premise: the newcomer ranks behind all n in their bucket, so that hint 0 walks past
  // every one (with price impact it landed in another bucket at 10,000): a figure without the walk
  // would hide the attack's cost.
  const placed = await engine.position(await engine.positionIdOf(trader.address, 0));
  if (placed.adlNext !== 0n || placed.adlPrev === 0n)
    throw new Error(`stuffing at ${n}: the new short did not land behind the stuffed ones`);
  await ethers.provider.send("evm_revert", [snapshot]);
  await ethers.provider.send("evm_setNextBlockTimestamp", [Number(timestamp)]);
  const openExactHint = await gasOf(open(exactHint));
  const close = await gasOf(engine.connect(trader).closePosition(0, ethers.MaxUint256, timestamp + 600n));
  const deleverageOneFill = await gasOf(engine.deleverage(0, false, 1, size, 0));
  return { positions: n, openExactHint, openStaleHint, close, deleverageOneFill };
}

/** Each size's row and the growth (largest over smallest) of every operation, and the worst of them. */
export async function measureStuffing(sizes: number[]) {
  // Cancun: Osaka's cap of 2^24 gas per transaction (EIP-7825) would stop the longest walks.
  const { ethers } = await network.create({ override: { blockGasLimit: 200_000_000n, hardfork: "cancun" } as never });
  const rows: StuffingRow[] = [];
  for (const n of sizes) rows.push(await measureStuffed(ethers, n));
  const [first, last] = [rows[0], rows.at(-1)!];
  const ratio = (key: Exclude<keyof StuffingRow, "positions">) => Math.round((last[key] / first[key]) * 1000) / 1000;
  const growth = {
    stuffedOpenExactHint: ratio("openExactHint"),
    stuffedOpenStaleHint: ratio("openStaleHint"),
    stuffedClose: ratio("close"),
    stuffedDeleverageOneFill: ratio("deleverageOneFill"),
  };
  return { rows, growth: { ...growth, stuffedWorst: Math.max(...Object.values(growth)) } };
}
