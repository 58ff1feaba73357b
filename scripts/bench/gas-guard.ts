// The gas guard: measures the core gas figures (scripts/bench/gas-core.ts, a small book) and the
// bytecode sizes, and compares them with the committed snapshot (snapshots/gas.json). A figure more
// than 5% above its snapshot fails with a table of what changed; cheaper figures pass and are
// printed, so the snapshot can be lowered to them.
// Run: npm run bench:guard        (CI, before the tests)
//      npm run snapshot           (rewrites snapshots/gas.json with the figures measured now)
import { readFileSync, writeFileSync } from "node:fs";
import { network } from "hardhat";
import { printTable } from "../lib/format.ts";
import { bytecodeSizes } from "./bytecode.ts";
import { measureCoreGas } from "./gas-core.ts";

const SNAPSHOT = "snapshots/gas.json";
/** More than this much worse than the snapshot fails. */
const TOLERANCE = 0.05;

export interface GasSnapshot {
  gas: Record<string, number>;
  bytecode: Record<string, number>;
}

interface Change {
  figure: string;
  snapshot: number | "none";
  now: number | "gone";
  change: string;
  verdict: "WORSE" | "better" | "new" | "removed" | "within 5%";
}

export function compare(snapshot: GasSnapshot, current: GasSnapshot): Change[] {
  const changes: Change[] = [];
  for (const group of ["gas", "bytecode"] as const) {
    const names = new Set([...Object.keys(snapshot[group]), ...Object.keys(current[group])]);
    for (const name of [...names].sort()) {
      const [was, now] = [snapshot[group][name], current[group][name]];
      const figure = `${group}.${name}`;
      if (was === undefined) changes.push({ figure, snapshot: "none", now, change: "", verdict: "new" });
      else if (now === undefined) changes.push({ figure, snapshot: was, now: "gone", change: "", verdict: "removed" });
      else if (now !== was) {
        const ratio = now / was - 1;
        const verdict = ratio > TOLERANCE ? "WORSE" : ratio < 0 ? "better" : "within 5%";
        changes.push({ figure, snapshot: was, now, change: `${ratio > 0 ? "+" : ""}${(ratio * 100).toFixed(2)}%`, verdict });
      }
    }
  }
  return changes;
}

const started = Date.now();
const { ethers } = await network.create();
const current: GasSnapshot = { gas: await measureCoreGas(ethers), bytecode: bytecodeSizes() };
if (process.argv.includes("--update")) {
  writeFileSync(SNAPSHOT, JSON.stringify(current, null, 2) + "\n");
  console.log(
    `gas guard: ${SNAPSHOT} rewritten (${Object.keys(current.gas).length} gas figures, ${Object.keys(current.bytecode).length} contracts)`,
  );
  process.exit(0);
}
let snapshot: GasSnapshot;
try {
  snapshot = JSON.parse(readFileSync(SNAPSHOT, "utf8")) as GasSnapshot;
} catch {
  console.error(`gas guard: ${SNAPSHOT} is missing or not JSON; create it with \`npm run snapshot\``);
  process.exit(1);
}
const changes = compare(snapshot, current);
const seconds = ((Date.now() - started) / 1000).toFixed(0);
if (changes.length === 0)
  console.log(`gas guard: all ${Object.keys(current.gas).length} gas figures and bytecode sizes equal the snapshot (${seconds} s)`);
else printTable(changes.map((c) => ({ ...c })));
const worse = changes.filter((c) => c.verdict === "WORSE");
if (worse.length > 0) {
  console.error(
    `gas guard: ${worse.length} figure(s) more than ${TOLERANCE * 100}% above ${SNAPSHOT}; if intended, run \`npm run snapshot\` and commit it`,
  );
  process.exit(1);
}
if (changes.length > 0) console.log(`gas guard: passed (${seconds} s); \`npm run snapshot\` records the figures above in ${SNAPSHOT}`);
