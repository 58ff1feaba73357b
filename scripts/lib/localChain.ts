// A real local chain for end-to-end tests and benchmarks: `hardhat node` on 127.0.0.1 on a free
// port, the protocol deployed by the deploy script, traders funded over JSON-RPC. Every process is
// started with a bounded wait for readiness and stopped by its PID.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Contract, HDNodeWallet, JsonRpcProvider, MaxUint256, Mnemonic, type Signer, Wallet, ZeroAddress, parseUnits } from "ethers";
import { liquidityVaultAbi, perpEngineAbi, testTokenAbi } from "../../sdk/src/abis.ts";
import { type AddressBook, readAddressBook } from "./addressBook.ts";
import { type RequestVault, type SettableFeed, depositThroughRequest } from "./lpRequests.ts";
import { chainlinkProof, createdOrderId, marketOrder } from "./orders.ts";
import type { PositionSource } from "./positions.ts";

const BIN = join(process.cwd(), "node_modules/.bin");
const env = { ...process.env, PATH: `${BIN}:${process.env.PATH}` };
const MNEMONIC = Mnemonic.fromPhrase("test test test test test test test test test test test junk");

/** One of the 20 funded development accounts of Hardhat's chains (in-process or `hardhat node`). */
export const devWallet = (i: number, provider: JsonRpcProvider) =>
  HDNodeWallet.fromMnemonic(MNEMONIC, `m/44'/60'/0'/0/${i}`).connect(provider);
/** A new random account given 100 ETH for gas (Hardhat and anvil both accept hardhat_setBalance). */
export async function fundedRandomWallet(provider: JsonRpcProvider) {
  const wallet = Wallet.createRandom().connect(provider);
  await provider.send("hardhat_setBalance", [wallet.address, "0x56BC75E2D63100000"]);
  return wallet;
}
export const devPrivateKey = (i: number) => HDNodeWallet.fromMnemonic(MNEMONIC, `m/44'/60'/0'/0/${i}`).privateKey as `0x${string}`;

/** The settable Chainlink feed of local chains: a mock, so not among the SDK's generated ABIs. */
const settableFeedAbi = () =>
  import(join(process.cwd(), "artifacts/contracts/oracle/SettableAggregator.sol/SettableAggregator.json"), { with: { type: "json" } }).then(
    (m) => m.default.abi,
  );

/** No response cache: back-to-back transactions must see fresh nonces and state. */
export const freshProvider = (rpcUrl: string) => new JsonRpcProvider(rpcUrl, undefined, { cacheTimeout: -1 });

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface StartedProcess {
  child: ChildProcess;
  /** Resolves once the output matches `ready` (or, with no pattern, once the process exits). */
  done: Promise<void>;
  output(): string;
}

/** A node or keeper starting on a loaded 2-core machine has taken over a minute: allow two and a half. */
const READY_TIMEOUT_MS = 150_000;

export function startProcess(command: string, args: string[], ready: RegExp | null, extraEnv: Record<string, string> = {}): StartedProcess {
  const child = spawn(command, args, { env: { ...env, ...extraEnv }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} not ready in ${READY_TIMEOUT_MS / 1000} s:\n${output}`)), READY_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (ready && ready.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (ready) reject(new Error(`${command} exited with ${code}:\n${output}`));
      else resolve();
    });
  });
  return { child, done, output: () => output };
}

/** How long a process may take to shut down gracefully before it is killed. */
const STOP_GRACE_MS = 5_000;

/** SIGTERM, then SIGKILL if it is still running after the grace period: a hung child must never
 * keep a test run alive through its open pipes. */
export function stopProcess(child: ChildProcess | undefined) {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill("SIGKILL"), STOP_GRACE_MS);
  timer.unref();
  child.once("exit", () => clearTimeout(timer));
}

/**
 * Starts a node on `port`: `hardhat node`, or with `anvilState`, anvil keeping its chain in that
 * file across restarts (written on SIGTERM, read on start), so a test can restart "the same" node.
 */
export async function startNode(port: number, options: { anvilState?: string } = {}): Promise<ChildProcess> {
  const node = options.anvilState
    ? startProcess(join(BIN, "anvil"), ["--host", "127.0.0.1", "--port", String(port), "--state", options.anvilState], /Listening on/)
    : startProcess(join(BIN, "hardhat"), ["node", "--hostname", "127.0.0.1", "--port", String(port)], /Started HTTP/);
  await node.done;
  return node.child;
}

/** Runs scripts/deploy.ts (Hardhat Ignition) against `rpcUrl`; its journal goes to a fresh temporary
 * folder unless IGNITION_DIR is given, so one test chain never resumes another's deployment.
 * `--no-compile`: its callers (`hardhat test`, `npm run bench`) compiled first; compiling again in
 * every deploy cost each one a compiler start, and a crash of solc-js there failed a whole run. */
export function runDeploy(rpcUrl: string, extraEnv: Record<string, string> = {}, network = "localhost"): StartedProcess {
  return startProcess(join(BIN, "hardhat"), ["run", "--no-compile", "--network", network, "scripts/deploy.ts"], null, {
    RPC_URL: rpcUrl,
    IGNITION_DIR: mkdtempSync(join(tmpdir(), "ignition-")),
    ...extraEnv,
  });
}

/** Starts a node on a free port and deploys the protocol (deploy/local.json); the address book goes to `bookPath`. */
export async function startLocalChain(
  bookPath: string,
  options: { anvilState?: string } = {},
): Promise<{ rpcUrl: string; port: number; node: ChildProcess }> {
  const port = await freePort();
  const rpcUrl = `http://127.0.0.1:${port}`;
  const node = await startNode(port, options);
  const deploy = runDeploy(rpcUrl, { ADDRESS_BOOK: bookPath });
  await deploy.done;
  if (deploy.child.exitCode !== 0) {
    stopProcess(node);
    throw new Error(`deploy failed:\n${deploy.output()}`);
  }
  return { rpcUrl, port, node };
}

/** Contracts of a deployed protocol, bound to a signer. */
export async function protocolAt(bookPath: string, signer: Signer) {
  const book: AddressBook = await readAddressBook(bookPath);
  return {
    book,
    token: new Contract(book.collateralToken, testTokenAbi, signer),
    // Untyped, except for the view the ADL checks read back.
    engine: new Contract(book.engine, perpEngineAbi, signer) as Contract & PositionSource,
    vault: new Contract(book.vault, liquidityVaultAbi, signer),
    feed: new Contract(book.markets[0].feed, await settableFeedAbi(), signer),
  };
}

/**
 * Mints test collateral to `trader`, deposits it, and opens a position in market 0 the product's
 * way: a market order, the next price round (published at the same answer by the deployer, dev
 * account 0, who owns the settable feed), and its execution by the trader. A keeper running
 * meanwhile may execute it first, which is as good. Returns the position id.
 */
export async function openPositionFor(bookPath: string, trader: Signer, sizeEth: string, marginUsd: string): Promise<bigint> {
  const { book, token, engine, feed } = await protocolAt(bookPath, trader);
  const address = await trader.getAddress();
  await (await token.mint(address, parseUnits("100000", 6))).wait();
  await (await token.approve(book.engine, MaxUint256)).wait();
  await (await engine.deposit(parseUnits("100000", 6))).wait();
  const provider = trader.provider as JsonRpcProvider;
  const now = BigInt((await provider.getBlock("latest"))!.timestamp);
  const request = marketOrder({
    marketId: 0,
    sizeDelta: parseUnits(sizeEth, 18),
    marginIn: parseUnits(marginUsd, 6),
    executionFee: (await engine.orderSettings()).minExecutionFee,
    now,
  });
  const orderId = await createdOrderId(engine, await engine.createOrder(request));
  // The round must be published minExecutionDelay after the request; a node may mine blocks in the
  // same second (anvil does), so the clock is moved on when it has not got there yet.
  const notBefore = Number((await engine.order(orderId)).createdAt) + Number((await engine.orderSettings()).minExecutionDelay);
  const latest = (await provider.getBlock("latest"))!.timestamp;
  if (latest < notBefore) await provider.send("evm_increaseTime", [notBefore - latest]);
  const owner = feed.connect(devWallet(0, provider)) as Contract;
  const [, answer] = await owner.latestRoundData();
  await (await owner.setAnswer(answer)).wait();
  const [roundId] = await owner.latestRoundData();
  try {
    // Headroom over the estimate: mined a second later than estimated, the fill also accrues funding.
    const gasLimit = ((await engine.executeOrder.estimateGas(orderId, chainlinkProof(roundId), 0)) * 13n) / 10n;
    await (await engine.executeOrder(orderId, chainlinkProof(roundId), 0, { gasLimit })).wait();
  } catch (error) {
    if ((await engine.order(orderId)).account !== ZeroAddress) throw error; // not a keeper's execution first
  }
  const positionId = (await engine.positionIdOf(address, 0)) as bigint;
  if (positionId === 0n) throw new Error(`order ${orderId} (${sizeEth} ETH, ${marginUsd} margin) was cancelled, not filled`);
  return positionId;
}

/** Mints test collateral to `lp` and deposits it into the vault through a request that it settles
 * as soon as it is due (MIN_REQUEST_DELAY waited out in real time, every market's feed
 * republished): liquidity for traders' profit. `lp` must own the settable feeds, as the deployer does. */
export async function seedVault(bookPath: string, lp: Signer, amountUsd: string) {
  const { book, token, vault } = await protocolAt(bookPath, lp);
  const amount = parseUnits(amountUsd, 6);
  await (await token.mint(await lp.getAddress(), amount)).wait();
  await (await token.approve(await vault.getAddress(), MaxUint256)).wait();
  const feedAbi = await settableFeedAbi();
  const feeds = book.markets.map((m) => new Contract(m.feed, feedAbi, lp) as unknown as SettableFeed);
  const chain = lp.provider as JsonRpcProvider;
  await depositThroughRequest(chain, vault as unknown as RequestVault, feeds, amount, await lp.getAddress(), "wait");
}
