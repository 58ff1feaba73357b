// The keeper as an operator runs it, against a real `hardhat node`: the documented command under
// SIGTERM, a second instance on the same metrics port, a dry-run flag it does not understand, a
// stale address book, `status` without a key, and the requests an idle keeper sends.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { freePort, startLocalChain, startProcess, stopProcess } from "../../scripts/lib/localChain.ts";
import { startFaultyProxy } from "../helpers/faultyRpcProxy.ts";
import { keeperConfigFile } from "../helpers/keeperProcess.ts";

/** Runs the keeper CLI to its exit; resolves with the exit code and everything it printed. */
async function keeperExit(args: string[], env: Record<string, string> = {}) {
  const run = startProcess("node", ["keeper/cli.ts", ...args], null, env);
  await run.done;
  return { code: run.child.exitCode, output: run.output() };
}

const processGroupAlive = (pgid: number) => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("keeper process (end to end against a real node)", function () {
  this.timeout(120_000);
  const started: ChildProcess[] = [];
  let rpcUrl: string;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "keeper-process-"));
    const chain = await startLocalChain(join(dir, "book.json"));
    rpcUrl = chain.rpcUrl;
    started.push(chain.node);
  });
  after(() => started.forEach(stopProcess));

  it("refuses KEEPER_DRY_RUN=yes with one line and exit code 2 instead of going live", async () => {
    const { code, output } = await keeperExit(["run", "--config", keeperConfigFile(dir, rpcUrl)], { KEEPER_DRY_RUN: "yes" });
    expect(code).to.equal(2);
    expect(output).to.equal('keeper: invalid config: KEEPER_DRY_RUN: must be true, false, 1 or 0, got "yes"\n');
  });

  it("leaves no process behind after SIGTERM to the documented command, and frees its port", async () => {
    const port = await freePort();
    const config = keeperConfigFile(dir, rpcUrl, { metricsPort: port, stateFile: join(dir, "sigterm.json") });
    // The README's command, in its own process group so that anything it leaves behind shows.
    const keeper = spawn("node", ["keeper/cli.ts", "run", "--config", config], {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, PATH: `${join(process.cwd(), "node_modules/.bin")}:${process.env.PATH}` },
    });
    started.push(keeper);
    let output = "";
    await new Promise<void>((resolve, reject) => {
      keeper.stdout!.on("data", (chunk: Buffer) => {
        output += chunk;
        if (output.includes("keeper started")) resolve();
      });
      keeper.on("exit", () => reject(new Error(output)));
    });
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).to.be.oneOf([200, 503]);

    // A second keeper on the same metrics port: one line, exit 2, no unhandled EADDRINUSE.
    const second = await keeperExit(["run", "--config", keeperConfigFile(dir, rpcUrl, { metricsPort: port })]);
    expect(second.code).to.equal(2);
    expect(second.output).to.equal(`keeper: metrics 127.0.0.1:${port} is already in use (is another keeper running?)\n`);

    const exited = new Promise((resolve) => keeper.once("exit", resolve));
    process.kill(keeper.pid!, "SIGTERM");
    await exited;
    expect(keeper.exitCode, output).to.equal(0);
    expect(processGroupAlive(keeper.pid!)).to.equal(false);
    const refused = await fetch(`http://127.0.0.1:${port}/health`).then(
      () => false,
      () => true,
    );
    expect(refused).to.equal(true);
  });

  it("stops at start-up with one line when the address book names an address with no code", async () => {
    const book = JSON.parse(readFileSync(join(dir, "book.json"), "utf8"));
    const stale = join(dir, "stale-book.json");
    writeFileSync(stale, JSON.stringify({ ...book, engine: "0x000000000000000000000000000000000000dEaD" }));
    const { code, output } = await keeperExit(["run", "--config", keeperConfigFile(dir, rpcUrl, { addressBook: stale })]);
    expect(code).to.equal(2);
    expect(output).to.equal(
      `keeper: address book ${stale}: engine 0x000000000000000000000000000000000000dEaD has no code on chain 31337; is the book from this deployment?\n`,
    );
  });

  it("prints status without a signing key", async () => {
    const config = keeperConfigFile(dir, rpcUrl, { privateKey: undefined, stateFile: join(dir, "status.json") });
    const { code, output } = await keeperExit(["status", "--config", config]);
    expect(code, output).to.equal(0);
    expect(output).to.match(/^block \d+ on chain 31337/);
    expect(output).to.match(/market ETH \(#0\): price 3000\.00/);
  });

  it("sends an idle tick's reads as JSON-RPC batches: a handful of HTTP requests per tick, not one per read", async () => {
    const proxy = await startFaultyProxy(rpcUrl, 0);
    const config = keeperConfigFile(dir, proxy.url, { pollIntervalMs: 1_000, stateFile: join(dir, "idle.json") });
    const run = startProcess("node", ["keeper/cli.ts", "run", "--config", config], /keeper started/, { LOG_LEVEL: "debug" });
    started.push(run.child);
    await run.done;
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // past the first tick, which reads the constants
    const before = proxy.stats.forwarded;
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const requests = proxy.stats.forwarded - before;
    stopProcess(run.child);
    proxy.server.close();
    // Five ticks: 25 requests measured (one batch of reads, and the indexers' log reads on their own
    // unbatched client, since a log range can answer with megabytes); before batching, 40 for the
    // position reads alone, and orders and LP requests add reads since.
    expect(requests, run.output()).to.be.within(1, 36);
  });

  it("starts from the runtime image's file set alone (scripts/keeper-runtime.ts, as the Dockerfile copies it)", async () => {
    const out = join(dir, "runtime");
    const copy = startProcess("node", ["scripts/keeper-runtime.ts", "--out", out], null);
    await copy.done;
    expect(copy.child.exitCode, copy.output()).to.equal(0);
    // Production packages only: no Hardhat, compiler, test runner or type declarations.
    for (const absent of ["hardhat", "solc", "mocha", "typescript", "@types", "contracts", "test"]) {
      expect(existsSync(join(out, "node_modules", absent)) || existsSync(join(out, absent)), absent).to.equal(false);
    }
    const port = await freePort();
    const config = keeperConfigFile(dir, rpcUrl, { metricsPort: port, stateFile: join(dir, "runtime-state.json") });
    const keeper = spawn("node", ["keeper/cli.ts", "run", "--config", config], {
      cwd: out,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, PATH: `${join(process.cwd(), "node_modules/.bin")}:${process.env.PATH}`, NODE_PATH: "" },
    });
    started.push(keeper);
    let output = "";
    const ticked = new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk;
        if (output.includes("keeper started")) resolve();
      };
      keeper.stdout!.on("data", onData);
      keeper.stderr!.on("data", onData);
      keeper.on("exit", () => reject(new Error(output)));
    });
    await ticked;
    let healthy = false;
    for (let i = 0; i < 20 && !healthy; i++) {
      healthy = (await fetch(`http://127.0.0.1:${port}/health`)).status === 200;
      if (!healthy) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    stopProcess(keeper);
    expect(healthy, output).to.equal(true);
  });
});
