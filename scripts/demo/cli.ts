// `npm start`: the demo on Hardhat's in-process chain. Options:
//   --seed <n>          the crowd's seed (default 1)
//   --scenario <name>   crash (default) or squeeze
//   --positions <n>     crowd size (default 240)
//   --json <path>       where the JSON report goes (default reports/demo.json)
//   --serve             keep the chain (JSON-RPC on 127.0.0.1) and the dashboard running afterwards
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { network } from "hardhat";
import { serveRpc } from "../lib/rpcBridge.ts";
import { printReport } from "./report.ts";
import { DEFAULT_POSITIONS, DEFAULT_SEED, runDemo } from "./run.ts";
import { SCENARIOS } from "./scenarios.ts";

const integer = (value: string) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError("expected a non-negative integer");
  return n;
};
const options = new Command("npm start --")
  .option("--seed <n>", "the crowd's seed", integer, DEFAULT_SEED)
  .option("--scenario <name>", `one of ${Object.keys(SCENARIOS).join(", ")}`, "crash")
  .option("--positions <n>", "how many traders open a position", integer, DEFAULT_POSITIONS)
  .option("--json <path>", "where to write the JSON report", "reports/demo.json")
  .option("--serve", "keep the chain and the dashboard running for a person to look at", false)
  .parse()
  .opts<{ seed: number; scenario: string; positions: number; json: string; serve: boolean }>();

const connection = await network.create();
const rpc = options.serve ? await serveRpc(connection.provider, 8545) : undefined;
if (rpc) console.log(`Chain served at ${rpc.url} (JSON-RPC, chain id 31337)`);
const report = await runDemo(connection, { ...options, log: (line) => console.log(line) });
printReport(report);
await mkdir(dirname(options.json), { recursive: true });
await writeFile(options.json, JSON.stringify(report, null, 2) + "\n");
console.log(`\nJSON report: ${options.json}`);
if (report.failures.length > 0) process.exit(1);
if (rpc) {
  console.log(`Serving until Ctrl-C.`);
} else {
  process.exit(0);
}
