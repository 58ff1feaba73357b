// Keeper scan cost: recomputing every position's health in memory with exact bigint math.
// Part of `npm run bench`, which runs it in a child process of its own (`node keeper-scan.ts SIZES`
// prints the rows as JSON), so that the RSS is the keeper code's and not the benchmark's: the
// bench process also holds Hardhat, its compiler output and an in-process chain.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { scanAtRisk, track, type MarketSnapshot, type TrackedPosition } from "../../keeper/risk.ts";
import { defaultMarketConfig } from "../lib/marketConfig.ts";

const WAD = 10n ** 18n;
const config = defaultMarketConfig("0x0000000000000000000000000000000000000000", 6);
const calm: MarketSnapshot = {
  price: 3000n * WAD,
  fundingIndex: 3n * WAD,
  tiers: config.tiers.slice(0, config.tierCount),
  valueDivisor: 10n ** 30n,
};
function book(n: number): TrackedPosition[] {
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: n }, (_, i) => {
    const size = BigInt(Math.round((0.1 + rand() * 20) * 1e6)) * 10n ** 12n * (rand() < 0.5 ? 1n : -1n);
    const entryPrice = BigInt(Math.round((2910 + rand() * 180) * 1e6)) * 10n ** 12n;
    const notional = ((size < 0n ? -size : size) * entryPrice) / 10n ** 30n;
    const margin = (notional * 1_000_000n) / BigInt(Math.round((1 + rand() * 14) * 1e6));
    return track({
      id: BigInt(i + 1),
      marketId: 0,
      size,
      margin,
      entryPrice,
      fundingSnapshot: BigInt(Math.round(rand() * 5e6)) * 10n ** 12n,
    });
  });
}

// Entries spread over $2,910-3,090 with leverage 1x-15x: at $3,000 a few positions are at risk,
// after a 5% drop to $2,850 about 7% are, and each of those needs the exact bigint check.
const scenarios = { "calm ($3,000)": calm, "after a 5% drop ($2,850)": { ...calm, price: 2850n * WAD } };
export interface ScanRow {
  positions: number;
  market: string;
  scanMs: number;
  atRisk: number;
  rssMb: number;
}

/** The rows, measured in a fresh process that loads only the keeper's scan code and the book. */
export function measureKeeperScan(sizes: number[]): ScanRow[] {
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), sizes.join(",")], { encoding: "utf8" });
  return JSON.parse(out) as ScanRow[];
}

/** Average of 5 scans after a warm-up, per book size and market; RSS of the whole process after. */
function scanRows(sizes: number[]): ScanRow[] {
  const rows: ScanRow[] = [];
  for (const n of sizes) {
    const positions = book(n);
    for (const [name, market] of Object.entries(scenarios)) {
      const markets = new Map([[0, market]]);
      scanAtRisk(positions, markets); // warm-up
      const runs = 5;
      const started = process.hrtime.bigint();
      let atRisk = 0;
      for (let r = 0; r < runs; r++) atRisk = scanAtRisk(positions, markets).length;
      const ms = Number(process.hrtime.bigint() - started) / 1e6 / runs;
      rows.push({
        positions: n,
        market: name,
        scanMs: Math.round(ms * 10) / 10,
        atRisk,
        rssMb: Math.round(process.memoryUsage().rss / 2 ** 20),
      });
    }
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(scanRows(process.argv[2].split(",").map(Number))));
}
