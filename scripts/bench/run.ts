// Runs every benchmark, writes bench/results.json and regenerates the tables in BENCHMARKS.md.
// Run: npm run bench                      (the full run)
//      npm run bench -- --quick           (small sizes everywhere; writes bench/results-quick.json only)
//      npm run bench -- --only gas,adl    (some parts; merged into bench/results.json)
// Parts: gas (core entry points and bytecode), adl (queue and engine gas at each size, growth),
// stuffing (gas with one bucket stuffed, growth and its worst case), fidelity, exactness (real ADL fills against a brute-force ranking), scan (keeper scan cost), coldstart (a fresh keeper on a big book), latency (keeper reaction), storm (the crash storm: one keeper,
// then racing keepers, on the L1 and the L2 block profile).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { network } from "hardhat";
import { measureExactness } from "./adl-exactness.ts";
import { measureFidelity } from "./adl-fidelity.ts";
import { bytecodeSizes } from "./bytecode.ts";
import { measureAdlGas } from "./gas-adl.ts";
import { measureCoreGas } from "./gas-core.ts";
import { measureStuffing } from "./gas-stuffing.ts";
import { measureColdStart } from "./keeper-cold-start.ts";
import { measureLatency } from "./keeper-latency.ts";
import { measureKeeperScan } from "./keeper-scan.ts";
import { renderBenchmarks } from "./report.ts";
import type { BenchResults, StormRun } from "./results.ts";
import { STORM_PROFILES, type StormProfile, measureStorm } from "./storm.ts";

const PARTS = ["gas", "adl", "stuffing", "fidelity", "exactness", "scan", "coldstart", "latency", "storm"] as const;
type Part = (typeof PARTS)[number];

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    "adl-sizes": { type: "string" },
    "stuffing-sizes": { type: "string" },
    "scan-sizes": { type: "string" },
    "fidelity-books": { type: "string" },
    "exactness-fills": { type: "string" },
    "cold-start-positions": { type: "string" },
    "latency-rounds": { type: "string" },
    "latency-positions": { type: "string" },
    "storm-positions": { type: "string" },
    "storm-keepers": { type: "string" },
    "storm-profiles": { type: "string" },
  },
});
const quick = values.quick;
const option = (name: keyof typeof values, full: string, small: string) => String(values[name] ?? (quick ? small : full));
const list = (text: string) => text.split(",").map(Number);
const adlSizes = list(option("adl-sizes", "10,100,1000,10000", "10,100"));
const stuffingSizes = list(option("stuffing-sizes", "10,10000", "10,1000"));
const scanSizes = list(option("scan-sizes", "1000,10000,100000", "1000,10000"));
const fidelityBooks = Number(option("fidelity-books", "200", "20"));
const exactnessFills = Number(option("exactness-fills", "1000", "100"));
// 100,000 by default (the keeper.coldStartSec100k and keeper.rssMb100k): seeded in 1,000-
// position blocks (storm-chain.ts), about a minute on this 2-core machine.
const coldStartPositions = Number(option("cold-start-positions", "100000", "2000"));
const latencyRounds = Number(option("latency-rounds", "20", "5"));
const latencyPositions = Number(option("latency-positions", "200", "50"));
const stormPositions = Number(option("storm-positions", "10000", "1000"));
const stormKeepers = list(option("storm-keepers", "1,3", "1,3"));
const stormProfiles = option("storm-profiles", "L1,L2", "L1,L2").split(",") as StormProfile[];
for (const profile of stormProfiles) if (!(profile in STORM_PROFILES)) throw new Error(`unknown storm profile "${profile}"`);
const parts = new Set<Part>(values.only ? (values.only.split(",") as Part[]) : PARTS);
for (const part of parts) if (!PARTS.includes(part)) throw new Error(`unknown part "${part}"; parts: ${PARTS.join(", ")}`);

const out = quick ? "bench/results-quick.json" : "bench/results.json";
const started = Date.now();
const step = async <T>(name: string, run: () => Promise<T> | T): Promise<T> => {
  const t = Date.now();
  console.log(`bench: ${name}...`);
  const result = await run();
  console.log(`bench: ${name} done in ${((Date.now() - t) / 1000).toFixed(0)} s`);
  return result;
};

/** A part that throws (a harness broken by a protocol change) is recorded in meta.failed, and the
 * other parts still run and are written. */
const failed: string[] = [];
const part = async (name: Part, body: () => Promise<void>) => {
  if (!parts.has(name)) return;
  try {
    await body();
  } catch (error) {
    console.error(`bench: part ${name} failed: ${(error as Error).stack}`);
    failed.push(`${name}: ${(error as Error).message.split("\n")[0]}`);
  }
};

const results: BenchResults = {
  meta: {
    date: new Date().toISOString().slice(0, 10),
    commit: execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim(),
    options: process.argv.slice(2).join(" ") || "defaults",
    cpus: availableParallelism(),
    seconds: 0,
  },
};

const { ethers } = await network.create();
await part("gas", async () => {
  results.gas = await step("core gas", () => measureCoreGas(ethers));
  results.bytecode = bytecodeSizes();
});
await part("adl", async () => {
  const { rows, growth } = await step(`ADL queue and engine gas at ${adlSizes.join(", ")} positions`, () =>
    measureAdlGas(ethers, adlSizes),
  );
  results.adlGas = { rows };
  results.gasGrowth = growth;
});
await part("stuffing", async () => {
  const { rows, growth } = await step(`gas under bucket stuffing at ${stuffingSizes.join(", ")} positions`, () =>
    measureStuffing(stuffingSizes),
  );
  results.gasStuffing = { rows };
  results.gasGrowth = { ...results.gasGrowth, ...growth } as BenchResults["gasGrowth"];
});
await part("fidelity", async () => {
  const fidelity = await step(`fidelity over ${fidelityBooks} books`, () => measureFidelity(fidelityBooks, 1000));
  results.adl = { ...results.adl, fidelity };
});
await part("exactness", async () => {
  const exactness = await step(`ADL rank exactness over ${exactnessFills} fills`, () => measureExactness(ethers, exactnessFills));
  results.adl = { ...results.adl, exactness, rankExactnessPct: exactness.rankExactnessPct, overshootWei: exactness.overshootWei };
});
await part("scan", async () => {
  const scan = await step(`keeper scan at ${scanSizes.join(", ")} positions`, () => measureKeeperScan(scanSizes));
  const largest = scan.filter((s) => s.positions === 100_000);
  results.keeper = {
    ...results.keeper,
    scan,
    // The worst case at 100,000 positions: the scan after the drop, which checks the most positions exactly.
    ...(largest.length ? { scanMs100k: Math.max(...largest.map((s) => s.scanMs)) } : {}),
  };
});
await part("coldstart", async () => {
  const coldStart = await step(`keeper cold start at ${coldStartPositions} positions`, () => measureColdStart(coldStartPositions));
  results.keeper = {
    ...results.keeper,
    coldStart,
    // At 100,000 positions: the slower of the two starts, and the real keeper's own peak memory.
    ...(coldStartPositions === 100_000
      ? { coldStartSec100k: Math.max(coldStart.fromEventsSec, coldStart.fromChainStateSec), rssMb100k: coldStart.peakRssMb }
      : {}),
  };
});
await part("latency", async () => {
  const latency = await step(`keeper latency, ${latencyRounds} rounds`, () =>
    measureLatency({ rounds: latencyRounds, positions: latencyPositions, pollMs: 1000, ws: true }),
  );
  results.keeper = { ...results.keeper, latency, reactionMsP50: latency.p50Ms, reactionMsP90: latency.p90Ms };
});
await part("storm", async () => {
  const runs: StormRun[] = [];
  const failures: string[] = [];
  for (const profile of stormProfiles) {
    for (const keepers of stormKeepers) {
      // The limit is the single keeper's work gas: racing keepers' skipped entries are waste, not work.
      const single = runs.find((r) => r.profile === profile && r.keepers === 1);
      const name = `${profile}, ${keepers} keeper(s), ${stormPositions} positions`;
      try {
        runs.push(
          await step(`crash storm, ${name}`, () =>
            measureStorm({ profile, positions: stormPositions, keepers, limitGas: single?.limitGas }),
          ),
        );
      } catch (error) {
        // A storm the keepers do not clear is a result, not a crash of the whole run.
        console.error(`bench: crash storm ${name} failed: ${(error as Error).message}`);
        failures.push(`${name}: ${(error as Error).message.split("\n")[0]}`);
      }
    }
  }
  results.storm = {
    runs,
    failures,
    L1: runs.find((r) => r.profile === "L1" && r.keepers === 1),
    L2: runs.find((r) => r.profile === "L2" && r.keepers === 1),
  };
});

results.meta.seconds = Math.round((Date.now() - started) / 1000);
if (failed.length) results.meta.failed = failed;
mkdirSync("bench", { recursive: true });
// A partial run keeps the other parts' figures, as the file holds them when this run ends.
const previous: Partial<BenchResults> = values.only && existsSync(out) ? JSON.parse(readFileSync(out, "utf8")) : {};
// One level deep: `keeper` gets its scan and its latency figures from different parts.
const merged = { ...previous } as Record<string, unknown>;
for (const [key, value] of Object.entries(results)) merged[key] = { ...(merged[key] as object), ...value };
// A partial run after a full one keeps the full run's options and time, and lists itself after them.
if (values.only && previous.meta) {
  const { options, seconds } = results.meta;
  merged.meta = {
    ...previous.meta,
    later: [...(previous.meta.later ?? []), `\`${options}\` at commit \`${results.meta.commit}\` in ${seconds} s`],
  };
}
writeFileSync(out, JSON.stringify(merged, null, 2) + "\n");
console.log(`bench: wrote ${out} in ${results.meta.seconds} s`);
if (!quick) {
  writeFileSync("BENCHMARKS.md", renderBenchmarks(readFileSync("BENCHMARKS.md", "utf8"), merged as unknown as BenchResults));
  console.log("bench: BENCHMARKS.md tables regenerated from it");
}
