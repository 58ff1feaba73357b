// The keeper end to end: a real `hardhat node` on 127.0.0.1, the protocol deployed by the testnet
// deploy script, traders seeded over JSON-RPC, and the real keeper CLI as a child process. Every
// process is stopped by its PID.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { Contract, HDNodeWallet, JsonRpcProvider, Mnemonic, MaxUint256, parseUnits } from "ethers";
import { rankSide } from "../../client/adl.ts";
import { readAddressBook } from "../../scripts/lib/addressBook.ts";
import { startFaultyProxy } from "../helpers/faultyRpcProxy.ts";

const BIN = join(process.cwd(), "node_modules/.bin");
const env = { ...process.env, PATH: `${BIN}:${process.env.PATH}` };
const MNEMONIC = Mnemonic.fromPhrase("test test test test test test test test test test test junk");
const wallet = (i: number, provider: JsonRpcProvider) => HDNodeWallet.fromMnemonic(MNEMONIC, `m/44'/60'/0'/0/${i}`).connect(provider);
const abi = (path: string) =>
  import(join(process.cwd(), "artifacts/contracts", path), { with: { type: "json" } }).then((m) => m.default.abi);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Spawns a process and resolves once its output matches `ready` (bounded wait). */
function start(command: string, args: string[], ready: RegExp | null, extraEnv: Record<string, string> = {}) {
  const child = spawn(command, args, { env: { ...env, ...extraEnv }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} not ready in 60 s:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (ready && ready.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (ready) reject(new Error(`${command} exited with ${code}:\n${output}`));
      else resolve();
    });
  });
  return { child, done, output: () => output };
}

function stop(child: ChildProcess | undefined) {
  if (child?.pid && child.exitCode === null) child.kill("SIGTERM");
}

describe("keeper (end to end against a real node)", function () {
  this.timeout(180_000);
  let node: ChildProcess | undefined;
  let keeper: ChildProcess | undefined;
  let rpcUrl: string;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "keeper-e2e-"));
    const port = await freePort();
    rpcUrl = `http://127.0.0.1:${port}`;
    const hardhatNode = start(join(BIN, "hardhat"), ["node", "--hostname", "127.0.0.1", "--port", String(port)], /Started HTTP/);
    node = hardhatNode.child;
    await hardhatNode.done;
    const deploy = start(join(BIN, "hardhat"), ["run", "--network", "localhost", "scripts/deploy.ts"], null, {
      RPC_URL: rpcUrl,
      ADDRESS_BOOK: join(dir, "book.json"),
    });
    await deploy.done;
    expect(deploy.child.exitCode, deploy.output()).to.equal(0);
  });

  after(() => {
    stop(keeper);
    stop(node);
  });

  function writeConfig(overrides: Record<string, unknown> = {}) {
    const path = join(dir, `config-${Math.random()}.json`);
    const config = {
      rpcUrls: [rpcUrl],
      chainId: 31337,
      privateKey: wallet(9, new JsonRpcProvider(rpcUrl)).privateKey,
      addressBook: join(dir, "book.json"),
      pollIntervalMs: 250,
      metricsPort: 0,
      stateFile: join(dir, "state.json"),
      ...overrides,
    };
    writeFileSync(path, JSON.stringify(config));
    return path;
  }

  it("rejects a bad config and an unreachable RPC with one clear line", async () => {
    const bad = start("node", ["keeper/cli.ts", "run", "--config", writeConfig({ chainId: -1 })], null);
    await bad.done;
    expect(bad.child.exitCode).to.equal(2);
    expect(bad.output().trim()).to.match(/^keeper: invalid config: chainId: /);
    const badKey = start("node", ["keeper/cli.ts", "run", "--config", writeConfig({ privateKey: "0x1234" })], null);
    await badKey.done;
    expect(badKey.output()).to.match(/invalid config: privateKey/);
    expect(badKey.output()).to.not.match(/0x1234/); // a secret is never echoed
    const unreachable = start("node", ["keeper/cli.ts", "run", "--config", writeConfig({ rpcUrls: ["http://127.0.0.1:9"] })], null);
    await unreachable.done;
    expect(unreachable.child.exitCode).to.equal(2);
    expect(unreachable.output()).to.match(/RPC unreachable/);
  });

  it("liquidates an underwater position within a few blocks of the price update", async () => {
    // No response cache: back-to-back transactions must see fresh nonces.
    const provider = new JsonRpcProvider(rpcUrl, undefined, { cacheTimeout: -1 });
    const book = await readAddressBook(join(dir, "book.json"));
    const owner = wallet(0, provider);
    const trader = wallet(1, provider);
    const token = new Contract(book.collateralToken, await abi("mocks/TestToken.sol/TestToken.json"), trader);
    const engine = new Contract(book.engine, await abi("core/PerpEngine.sol/PerpEngine.json"), trader);
    const vault = new Contract(book.vault, await abi("vault/LiquidityVault.sol/LiquidityVault.json"), owner);
    const feed = new Contract(book.markets[0].feed, await abi("oracle/SettableAggregator.sol/SettableAggregator.json"), owner);
    const ownerToken = token.connect(owner) as Contract;
    await (await ownerToken.mint(owner.address, parseUnits("1000000", 6))).wait();
    await (await ownerToken.approve(book.vault, MaxUint256)).wait();
    await (await vault.deposit(parseUnits("1000000", 6), owner.address)).wait();
    await (await token.mint(trader.address, parseUnits("10000", 6))).wait();
    await (await token.approve(book.engine, MaxUint256)).wait();
    await (await engine.deposit(parseUnits("10000", 6))).wait();
    await (await engine.openPosition(0, parseUnits("10", 18), parseUnits("1600", 6), MaxUint256, 2n ** 40n, 0)).wait();
    const id = await engine.positionIdOf(trader.address, 0);

    const run = start("node", ["keeper/cli.ts", "run", "--config", writeConfig()], /keeper started/);
    keeper = run.child;
    await run.done;
    const before = await provider.getBlockNumber();
    await (await feed.setAnswer(2850_00000000n)).wait();
    const updateBlock = await provider.getBlockNumber();
    for (let i = 0; i < 80 && (await engine.position(id)).size === parseUnits("10", 18); i++) await new Promise((r) => setTimeout(r, 250));
    const after = await engine.position(id);
    expect(after.size < parseUnits("10", 18), run.output()).to.equal(true);
    const liquidationBlock = await provider.getBlockNumber();
    expect(liquidationBlock - updateBlock).to.be.lessThanOrEqual(3);
    expect(before).to.be.lessThan(updateBlock);
    expect(run.output()).to.match(/"msg":"liquidation batch"/);
    stop(keeper);
    await new Promise((r) => keeper!.once("exit", r));
    expect(run.output()).to.match(/"msg":"keeper stopped"/); // graceful shutdown on SIGTERM

    const status = start("node", ["keeper/cli.ts", "status", "--config", writeConfig()], null);
    await status.done;
    expect(status.child.exitCode, status.output()).to.equal(0);
    expect(status.output()).to.match(/open positions: \d+/);
    expect(status.output()).to.match(/ADL queue long top: /);
  });

  it("two racing keepers, one restarted mid-run, liquidate everything without failures", async () => {
    const provider = new JsonRpcProvider(rpcUrl, undefined, { cacheTimeout: -1 });
    const book = await readAddressBook(join(dir, "book.json"));
    const owner = wallet(0, provider);
    const engineAbi = await abi("core/PerpEngine.sol/PerpEngine.json");
    const tokenAbi = await abi("mocks/TestToken.sol/TestToken.json");
    const feed = new Contract(book.markets[0].feed, await abi("oracle/SettableAggregator.sol/SettableAggregator.json"), owner);
    await (await feed.setAnswer(3000_00000000n)).wait();
    const ids: bigint[] = [];
    for (let i = 2; i < 8; i++) {
      const trader = wallet(i, provider);
      const token = new Contract(book.collateralToken, tokenAbi, trader);
      const engine = new Contract(book.engine, engineAbi, trader);
      await (await token.mint(trader.address, parseUnits("10000", 6))).wait();
      await (await token.approve(book.engine, MaxUint256)).wait();
      await (await engine.deposit(parseUnits("10000", 6))).wait();
      await (await engine.openPosition(0, parseUnits("5", 18), parseUnits("800", 6), MaxUint256, 2n ** 40n, 0)).wait();
      ids.push(await engine.positionIdOf(trader.address, 0));
    }
    const engine = new Contract(book.engine, engineAbi, provider);
    const a = start(
      "node",
      ["keeper/cli.ts", "run", "--config", writeConfig({ privateKey: wallet(10, provider).privateKey, stateFile: join(dir, "a.json") })],
      /keeper started/,
    );
    const b = start(
      "node",
      ["keeper/cli.ts", "run", "--config", writeConfig({ privateKey: wallet(11, provider).privateKey, stateFile: join(dir, "b.json") })],
      /keeper started/,
    );
    await Promise.all([a.done, b.done]);
    // Keeper A is killed hard mid-run and restarted from its state file.
    a.child.kill("SIGKILL");
    const restarted = start(
      "node",
      ["keeper/cli.ts", "run", "--config", writeConfig({ privateKey: wallet(10, provider).privateKey, stateFile: join(dir, "a.json") })],
      /keeper started/,
    );
    await restarted.done;
    await (await feed.setAnswer(2700_00000000n)).wait();
    const allDone = async () => (await Promise.all(ids.map((id) => engine.position(id)))).every((p) => p.size < parseUnits("5", 18));
    for (let i = 0; i < 80 && !(await allDone()); i++) await new Promise((r) => setTimeout(r, 250));
    stop(b.child);
    stop(restarted.child);
    expect(await allDone(), b.output() + restarted.output()).to.equal(true);
    // Racing is normal: the loser's simulation sees "already liquidated" and sends nothing.
    for (const output of [b.output(), restarted.output()]) expect(output).to.not.match(/"status":"failed"/);
  });

  /** Funds a trader and opens a position; returns its id. */
  async function openFor(i: number, sizeEth: string, marginUsd: string) {
    const provider = new JsonRpcProvider(rpcUrl, undefined, { cacheTimeout: -1 });
    const book = await readAddressBook(join(dir, "book.json"));
    const trader = wallet(i, provider);
    const token = new Contract(book.collateralToken, await abi("mocks/TestToken.sol/TestToken.json"), trader);
    const engine = new Contract(book.engine, await abi("core/PerpEngine.sol/PerpEngine.json"), trader);
    await (await token.mint(trader.address, parseUnits("100000", 6))).wait();
    await (await token.approve(book.engine, MaxUint256)).wait();
    await (await engine.deposit(parseUnits("100000", 6))).wait();
    const size = parseUnits(sizeEth, 18);
    await (await engine.openPosition(0, size, parseUnits(marginUsd, 6), size > 0n ? MaxUint256 : 0n, 2n ** 40n, 0)).wait();
    return engine.positionIdOf(trader.address, 0) as Promise<bigint>;
  }

  async function feedAndEngine() {
    const provider = new JsonRpcProvider(rpcUrl, undefined, { cacheTimeout: -1 });
    const book = await readAddressBook(join(dir, "book.json"));
    const feed = new Contract(
      book.markets[0].feed,
      await abi("oracle/SettableAggregator.sol/SettableAggregator.json"),
      wallet(0, provider),
    );
    const engine = new Contract(book.engine, await abi("core/PerpEngine.sol/PerpEngine.json"), provider);
    return { provider, feed, engine };
  }

  it("covers a bankrupt position's deficit by ADL against the top-ranked shorts, in rank order", async () => {
    const { provider, feed, engine } = await feedAndEngine();
    await (await feed.setAnswer(3000_00000000n)).wait();
    const shorts = [await openFor(12, "-4", "12000"), await openFor(13, "-4", "1500"), await openFor(14, "-4", "4000")];
    const whale = await openFor(15, "30", "4600");
    const before = await Promise.all(shorts.map(async (id) => ({ id, ...(await engine.position(id)).toObject() })));
    const run = start(
      "node",
      ["keeper/cli.ts", "run", "--config", writeConfig({ privateKey: wallet(16, provider).privateKey, stateFile: join(dir, "adl.json") })],
      /keeper started/,
    );
    await run.done;
    await (await feed.setAnswer(2700_00000000n)).wait(); // the 30 ETH long loses 9,000 on ~4,555
    for (let i = 0; i < 80 && (await engine.position(whale)).size !== 0n; i++) await new Promise((r) => setTimeout(r, 250));
    stop(run.child);
    expect((await engine.position(whale)).size, run.output()).to.equal(0n);
    const fills = (await engine.queryFilter(engine.filters.AdlFill())).map(
      (e) => (e as unknown as { args: { positionId: bigint } }).args.positionId,
    );
    expect(fills.length > 0).to.equal(true);
    const x = 2700n * 10n ** 18n - (await engine.marketState(0)).fundingIndex;
    const ranking = rankSide(before as never, x, 10n ** 30n).map((r) => r.position.id);
    expect(fills).to.deep.equal(ranking.slice(0, fills.length));
  });

  it("survives an RPC that delays, drops and fails 40% of requests, and finishes the work", async () => {
    const { provider, feed, engine } = await feedAndEngine();
    await (await feed.setAnswer(3000_00000000n)).wait();
    const id = await openFor(17, "10", "1600");
    const proxy = await startFaultyProxy(rpcUrl, 0.4, 7);
    const run = start(
      "node",
      [
        "keeper/cli.ts",
        "run",
        "--config",
        writeConfig({ rpcUrls: [proxy.url], privateKey: wallet(18, provider).privateKey, stateFile: join(dir, "faulty.json") }),
      ],
      /keeper started/,
    );
    await run.done;
    proxy.setFaulty(true);
    await (await feed.setAnswer(2850_00000000n)).wait();
    for (let i = 0; i < 160 && (await engine.position(id)).size === parseUnits("10", 18); i++) await new Promise((r) => setTimeout(r, 250));
    const alive = run.child.exitCode === null;
    stop(run.child);
    proxy.server.close();
    expect(alive, run.output()).to.equal(true);
    expect((await engine.position(id)).size < parseUnits("10", 18), run.output()).to.equal(true);
    expect(proxy.stats.dropped + proxy.stats.failed).to.be.greaterThan(0);
  });
});
