// `npm start`: the demo on Hardhat's in-process chain. Options:
//   --seed <n>          the crowd's seed (default 1)
//   --scenario <name>   crash (default) or squeeze
//   --positions <n>     crowd size (default 240)
//   --json <path>       where the JSON report goes (default reports/demo.json)
//   --serve             serve the chain (JSON-RPC on 127.0.0.1:8545) and the dashboard (127.0.0.1:5173)
//                       from the moment the positions are open, and keep both running afterwards
import { spawnSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { network } from "hardhat";
import { startDashboard } from "../../dashboard/server.ts";
import { serveRpc } from "../lib/rpcBridge.ts";
import { printReport } from "./report.ts";
import { DEFAULT_POSITIONS, DEFAULT_SEED, type DemoOptions, runDemo } from "./run.ts";
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

const RPC_PORT = 8545;
const DASHBOARD_PORT = 5173;

/** The chain over HTTP, or a clear line and exit 1 when the port is taken (another node running?). */
async function serveChain(provider: unknown) {
  try {
    const rpc = await serveRpc(provider, RPC_PORT);
    console.log(`Chain served at ${rpc.url} (JSON-RPC, chain id 31337)`);
    return rpc;
  } catch (error) {
    console.error(`--serve: cannot listen on 127.0.0.1:${RPC_PORT}: ${(error as Error).message}`);
    process.exit(1);
  }
}

const connection = await network.create();
let onPhase: DemoOptions["onPhase"];
if (options.serve) {
  // The page imports the built SDK (sdk/dist); `npm start` itself only generates the ABIs.
  if (spawnSync("npm", ["run", "--silent", "sdk:build"], { stdio: "inherit" }).status !== 0) process.exit(1);
  const rpc = await serveChain(connection.provider);
  onPhase = async (phase, { addressBook }) => {
    if (phase !== "opened") return;
    const dashboard = await startDashboard({ rpcUrl: rpc.url, addressBook, port: DASHBOARD_PORT });
    console.log(`Dashboard at ${dashboard.url}: watch the crash live.`);
  };
}
const report = await runDemo(connection, { ...options, onPhase, log: (line) => console.log(line) });
printReport(report);
await mkdir(dirname(options.json), { recursive: true });
await writeFile(options.json, JSON.stringify(report, null, 2) + "\n");
console.log(`\nJSON report: ${options.json}`);
if (report.failures.length > 0) process.exit(1);
if (options.serve) console.log("Chain and dashboard stay up until Ctrl-C.");
else process.exit(0);
