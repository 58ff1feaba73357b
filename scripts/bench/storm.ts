// The crash storm: how long the real keeper takes to restore solvency after a 12% crash, against
// the physical limit of the chain. Part of `npm run bench` (options --storm-positions, --storm-keepers).
//
// On anvil (127.0.0.1) with the profile's block gas limit: the protocol is deployed by deployProtocol
// with the EngineBench harness as its engine (the real engine plus bulk seeding), `positions` 1 ETH
// positions at $3,000 are seeded, half long and half short, over 53 leverage steps from 1x to 20x,
// and the keeper CLI (`keeper run`, the daemon as operators run it, woken by new heads over a
// websocket) indexes them. Then automine goes off, one price update crashes ETH 12%, and blocks are
// mined by this script:
// - L1 (30M gas, 12 s blocks): on demand, as soon as every keeper has a transaction waiting (or
//   2 s after the first one arrived). A keeper's turnaround on this machine is far below 12 s, so
//   counting blocks and multiplying by 12 s is what a real L1 would show.
// - L2 (32M gas, 0.25 s blocks): in real time, a block every 250 ms whether or not the keepers are
//   ready, so the keeper's own turnaround (scan, simulation, round trips) counts against it.
// The run ends when nothing is liquidatable and no ADL debt is owed; blocksToSolvent is counted to
// the block of the last keeper transaction that changed state, checked solvent at that block.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { network } from "hardhat";
import type { EngineBench, PerpLens } from "../../types/ethers-contracts/index.ts";
import { deployProtocol } from "../lib/deployProtocol.ts";
import { type StartedProcess, devPrivateKey, freePort, startProcess, stopProcess } from "../lib/localChain.ts";
import type { StormRun } from "./results.ts";

export const STORM_PROFILES = {
  L1: { blockGasLimit: 30_000_000, blockSeconds: 12 },
  L2: { blockGasLimit: 32_000_000, blockSeconds: 0.25 },
} as const;
export type StormProfile = keyof typeof STORM_PROFILES;

export interface StormOptions {
  profile: StormProfile;
  positions: number;
  keepers: number;
  /** Keeper config overrides (e.g. batchSize). */
  keeperConfig?: Record<string, unknown>;
  /** Gas of one liquidation for the limit; by default this run's own. */
  limitGasPerLiquidation?: number;
}

const PRICE = 3000_00000000n;
const CRASHED = (PRICE * 88n) / 100n; // -12% in one update
const MAX_MARKETS = 16n;
/** Gives up when the keepers have not restored solvency in this much real time. */
const MAX_RUN_MS = Number(process.env.STORM_MAX_SECONDS ?? 300) * 1000;
/** The keepers are done when none has sent anything for this long and the check finds the book solvent. */
const IDLE_MS = 3_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Seeds the book through the harness, in transactions that fit the block gas limit. They go out as
 * raw eth_sendTransaction calls, mined at once (automine): ethers' contract call would also poll
 * for each transaction to appear, about a second each.
 */
async function seedBook(ethers: HardhatEthers, engine: EngineBench, positions: number) {
  const [owner] = await ethers.getSigners();
  const size = 10n ** 18n;
  const notional = 3000n * 10n ** 6n;
  const margins = Array.from({ length: positions }, (_, i) => (notional * 10n ** 6n) / BigInt(Math.round(20 ** ((i % 53) / 52) * 1e6)));
  const chunk = 60;
  const hashes: string[] = [];
  for (const isLong of [true, false]) {
    const side = margins.filter((_, i) => i % 2 === (isLong ? 0 : 1));
    for (let i = 0; i < side.length; i += chunk) {
      const data = engine.interface.encodeFunctionData("seedPositions", [0, isLong, size, 3000n * 10n ** 18n, side.slice(i, i + chunk)]);
      const tx = { from: owner.address, to: await engine.getAddress(), data, gas: "0x1312d00" }; // 20M gas, unused gas is not charged
      hashes.push(await ethers.provider.send("eth_sendTransaction", [tx]));
    }
  }
  const receipts = await Promise.all(hashes.map((hash) => ethers.provider.waitForTransaction(hash)));
  if (receipts.some((r) => r?.status !== 1)) throw new Error("storm: a seeding transaction failed");
}

/** How many positions are liquidatable and whether ADL debt is owed, at `blockTag`. */
async function solvency(engine: EngineBench, lens: PerpLens, blockTag: number) {
  const accounts = await engine.accountCount({ blockTag });
  const ids = Array.from({ length: Number(accounts) }, (_, i) => BigInt(i + 1) * MAX_MARKETS);
  let liquidatable = 0;
  for (let i = 0; i < ids.length; i += 100) {
    const previews = await lens.previewLiquidationBatch(ids.slice(i, i + 100), { blockTag });
    liquidatable += previews.filter((p) => p.liquidatable).length;
  }
  const state = await lens.marketAdlState(0, { blockTag });
  const adlDebt = state.longAdlDebt + state.shortAdlDebt;
  return { liquidatable, adlDebt, solvent: liquidatable === 0 && adlDebt === 0n };
}

function startKeepers(dir: string, rpcUrl: string, count: number, overrides: Record<string, unknown>): StartedProcess[] {
  return Array.from({ length: count }, (_, i) => {
    const config = {
      rpcUrls: [rpcUrl],
      wsUrl: rpcUrl.replace(/^http/, "ws"),
      chainId: 31337,
      privateKey: devPrivateKey(10 + i),
      addressBook: join(dir, "book.json"),
      pollIntervalMs: 100,
      replaceAfterMs: 600_000, // blocks come when this script mines them: never replace
      metricsPort: 0,
      stateFile: join(dir, `state-${i}.json`),
      ...overrides,
    };
    writeFileSync(join(dir, `keeper-${i}.json`), JSON.stringify(config));
    return startProcess("node", ["keeper/cli.ts", "run", "--config", join(dir, `keeper-${i}.json`)], /keeper started/);
  });
}

/** Waits until every keeper's indexer has reached `block` (its state file says so). */
async function indexed(dir: string, count: number, block: number) {
  for (let tries = 0; tries < 1200; tries++) {
    const done = Array.from({ length: count }, (_, i) => {
      try {
        return Number(JSON.parse(readFileSync(join(dir, `state-${i}.json`), "utf8")).nextBlock) > block;
      } catch {
        return false;
      }
    });
    if (done.every(Boolean)) return;
    await sleep(100);
  }
  throw new Error("keepers did not index the book within 120 s");
}

async function pendingCount(ethers: HardhatEthers) {
  const status = (await ethers.provider.send("txpool_status", [])) as { pending: string };
  return Number(status.pending);
}

export async function measureStorm(options: StormOptions): Promise<StormRun> {
  const profile = STORM_PROFILES[options.profile];
  const dir = mkdtempSync(join(tmpdir(), "storm-"));
  const port = await freePort();
  const rpcUrl = `http://127.0.0.1:${port}`;
  const anvil = startProcess(
    join(process.cwd(), "node_modules/.bin/anvil"),
    ["--host", "127.0.0.1", "--port", String(port), "--gas-limit", String(profile.blockGasLimit), "--accounts", "20"],
    /Listening on/,
  );
  let keepers: StartedProcess[] = [];
  try {
    await anvil.done;
    const { ethers } = await network.create({ network: "localhost", override: { url: rpcUrl } });
    const deployed = await deployProtocol(ethers, {
      engineContract: "EngineBench",
      markets: [{ name: "ETH", initialAnswer: PRICE, configure: (c) => ({ ...c, maxLongSize: 10n ** 24n, maxShortSize: 10n ** 24n }) }],
    });
    const { token, vault, lens, addressBook, markets, owner } = deployed;
    const engine = deployed.engine as unknown as EngineBench;
    writeFileSync(join(dir, "book.json"), JSON.stringify(addressBook));
    const usd = (amount: bigint) => amount * 10n ** 6n;
    await (await token.mint(owner.address, usd(1_000_000_000n))).wait();
    await (await token.approve(await vault.getAddress(), ethers.MaxUint256)).wait();
    await (await token.approve(await engine.getAddress(), ethers.MaxUint256)).wait();
    // A vault deep enough that the shorts' profit never calls for pool-protection ADL, and
    // insurance that covers part of the bankrupt longs' deficits: the rest is ADL debt.
    await (await vault.deposit(usd(100_000_000n), owner.address)).wait();
    await (await engine.fundInsurance(usd(100_000n))).wait();
    await seedBook(ethers, engine, options.positions);
    // Seeded margin is not backed by tokens: back it, so liquidations can pay out.
    await (await token.mint(await engine.getAddress(), usd(BigInt(options.positions) * 3_000n))).wait();

    keepers = startKeepers(dir, rpcUrl, options.keepers, options.keeperConfig ?? {});
    await Promise.all(keepers.map((k) => k.done));
    await indexed(dir, options.keepers, await ethers.provider.getBlockNumber());
    const keeperAddresses = new Set(
      Array.from({ length: options.keepers }, (_, i) => new ethers.Wallet(devPrivateKey(10 + i)).address.toLowerCase()),
    );

    // The crash: one price update, alone in its block.
    await ethers.provider.send("evm_setAutomine", [false]);
    // A raw send: ethers' contract call would wait for the transaction, which no block mines yet.
    const crash = markets[0].feed.interface.encodeFunctionData("setAnswer", [CRASHED]);
    await ethers.provider.send("eth_sendTransaction", [{ from: owner.address, to: await markets[0].feed.getAddress(), data: crash }]);
    await ethers.provider.send("evm_mine", []);
    const crashBlock = await ethers.provider.getBlockNumber();
    const atCrash = await solvency(engine, lens, crashBlock);
    const started = Date.now();

    let lastSent = Date.now();
    let firstPendingAt = 0;
    let lastBlockAt = Date.now();
    let solvent = false;
    while (!solvent) {
      if (Date.now() - started > MAX_RUN_MS) {
        const state = await solvency(engine, lens, await ethers.provider.getBlockNumber());
        const complaints = keepers.flatMap((k) =>
          k
            .output()
            .split("\n")
            .filter((line) => /"level":(40|50)/.test(line))
            .slice(-5),
        );
        throw new Error(
          `storm not solvent after ${MAX_RUN_MS / 1000} s: ${state.liquidatable} liquidatable, ADL debt ${state.adlDebt}\n${complaints.map((l) => l.slice(0, 600)).join("\n")}`,
        );
      }
      const pending = await pendingCount(ethers);
      if (pending > 0) {
        lastSent = Date.now();
        firstPendingAt ||= Date.now();
      }
      const mine =
        options.profile === "L2"
          ? Date.now() - lastBlockAt >= profile.blockSeconds * 1000
          : pending >= options.keepers || (pending > 0 && Date.now() - firstPendingAt >= 2_000);
      if (mine) {
        await ethers.provider.send("evm_mine", []);
        lastBlockAt = Date.now();
        firstPendingAt = 0;
      } else if (pending === 0 && Date.now() - lastSent > IDLE_MS) {
        const head = await ethers.provider.getBlockNumber();
        solvent = (await solvency(engine, lens, head)).solvent;
        lastSent = Date.now(); // not solvent yet: give the keepers another idle period
        if (!solvent && options.profile === "L1") await ethers.provider.send("evm_mine", []); // a new head wakes them
      }
      await sleep(options.profile === "L2" ? 10 : 20);
    }
    const wallSeconds = (Date.now() - started) / 1000;
    const tally = await tallyKeeperTransactions(ethers, engine, crashBlock, keeperAddresses);
    const lastBlock = tally.lastEffectiveBlock;
    const end = await solvency(engine, lens, lastBlock);
    if (!end.solvent) throw new Error(`storm: not solvent at the last keeper block ${lastBlock}`);
    const blocksToSolvent = lastBlock - crashBlock;
    const gasPerLiquidation = tally.liquidations ? Math.round(tally.liquidationGas / tally.liquidations) : 0;
    const limitGas = options.limitGasPerLiquidation ?? gasPerLiquidation;
    return {
      profile: options.profile,
      blockGasLimit: profile.blockGasLimit,
      blockSeconds: profile.blockSeconds,
      keepers: options.keepers,
      positions: options.positions,
      liquidatable: atCrash.liquidatable,
      liquidations: tally.liquidations,
      gasPerLiquidation,
      adlFills: tally.adlFills,
      blocksToSolvent,
      secondsToSolvent: Math.round(blocksToSolvent * profile.blockSeconds * 100) / 100,
      limitBlocks: Math.round(((atCrash.liquidatable * limitGas) / profile.blockGasLimit) * 100) / 100,
      blockFillPct: blocksToSolvent ? Math.round((tally.keeperGas / (blocksToSolvent * profile.blockGasLimit)) * 1000) / 10 : 0,
      transactions: tally.transactions,
      reverted: tally.reverted,
      wallSeconds: Math.round(wallSeconds * 10) / 10,
    };
  } finally {
    // Each keeper's log stays in the run's directory: where a storm lost time is read from it.
    keepers.forEach((k, i) => writeFileSync(join(dir, `keeper-${i}.log`), k.output()));
    if (keepers.length) console.log(`storm: keeper logs in ${dir}`);
    for (const k of keepers) stopProcess(k.child);
    stopProcess(anvil.child);
  }
}

/** Liquidations, ADL fills and gas of the keepers' transactions after the crash block. */
async function tallyKeeperTransactions(ethers: HardhatEthers, engine: EngineBench, crashBlock: number, keepers: Set<string>) {
  const head = await ethers.provider.getBlockNumber();
  const tally = { liquidations: 0, liquidationGas: 0, adlFills: 0, transactions: 0, reverted: 0, lastEffectiveBlock: crashBlock, keeperGas: 0 };
  const gasByBlock = new Map<number, number>();
  const liquidateBatch = engine.interface.getFunction("liquidateBatch")!.selector;
  for (let block = crashBlock + 1; block <= head; block++) {
    const receipts = (await ethers.provider.send("eth_getBlockReceipts", [`0x${block.toString(16)}`])) as {
      from: string;
      status: string;
      gasUsed: string;
      transactionHash: string;
      logs: { topics: string[]; data: string }[];
    }[];
    for (const receipt of receipts.filter((r) => keepers.has(r.from.toLowerCase()))) {
      tally.transactions++;
      gasByBlock.set(block, (gasByBlock.get(block) ?? 0) + Number(receipt.gasUsed));
      if (receipt.status !== "0x1") {
        tally.reverted++;
        continue;
      }
      const events = receipt.logs.map((log) => engine.interface.parseLog(log)?.name);
      const liquidations = events.filter((name) => name === "Liquidated").length;
      const fills = events.filter((name) => name === "AdlFill").length;
      const tx = await ethers.provider.getTransaction(receipt.transactionHash);
      if (tx!.data.startsWith(liquidateBatch)) {
        tally.liquidations += liquidations;
        tally.liquidationGas += Number(receipt.gasUsed);
      }
      tally.adlFills += fills;
      if (liquidations + fills > 0) tally.lastEffectiveBlock = block;
    }
  }
  for (const [block, gas] of gasByBlock) if (block <= tally.lastEffectiveBlock) tally.keeperGas += gas;
  return tally;
}
