// The crash storm: how long the real keeper takes to restore solvency after a 12% crash, against
// the physical limit of the chain. Part of `npm run bench` (options --storm-positions, --storm-keepers).
//
// On anvil (127.0.0.1) with the profile's block gas limit: the protocol is deployed by deployProtocol
// with the EngineBench harness as its engine (the real engine plus bulk seeding), `positions` 1 ETH
// positions at $3,000 are seeded, half long and half short, over 53 leverage steps from 1x to 20x,
// and the keeper CLI (`keeper run`, the daemon as operators run it, woken by new heads over a
// websocket) indexes them. Then automine goes off, one price update crashes ETH 12%, and blocks are
// mined by this script:
// - L1 (30M gas, 12 s blocks): on demand, once the keepers' transactions stop arriving for 250 ms
//   (or 2 s after the first one arrived). A keeper's turnaround on this machine is far below 12 s, so
//   counting blocks and multiplying by 12 s is what a real L1 would show.
// - L2 (32M gas, 0.25 s blocks): in real time, a block every 250 ms whether or not the keepers are
//   ready, so the keeper's own turnaround (scan, simulation, round trips) counts against it.
// The run ends when nothing is liquidatable and no ADL debt is owed; blocksToSolvent is counted to
// the block of the last keeper transaction that changed state, checked solvent at that block.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { EngineBench, PerpLens } from "../../types/ethers-contracts/index.ts";
import { type StartedProcess, devPrivateKey, stopProcess } from "../lib/localChain.ts";
import type { StormRun } from "./results.ts";
import { PRICE, startKeepers, startSeededChain } from "./storm-chain.ts";

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
  /** The work's gas for the limit (StormRun.limitGas); by default this run's own. */
  limitGas?: number;
}

const CRASHED = (PRICE * 88n) / 100n; // -12% in one update
const MAX_MARKETS = 16n;
/** Gives up when the keepers have not restored solvency in this much real time. */
const MAX_RUN_MS = Number(process.env.STORM_MAX_SECONDS ?? 300) * 1000;
/** The keepers are done when none has sent anything for this long and the check finds the book solvent. */
const IDLE_MS = 3_000;
/** L1: a block is mined once the keepers' transactions stop arriving for this long (they send a
 * tick's batches back to back, within milliseconds), or 2 s after the first arrived. A 12 s block
 * leaves a keeper far more time than either; mining at the first transaction would cut its
 * batches over blocks that a real 12 s block would have held together. */
const L1_SETTLE_MS = 250;

/** What every transaction pays before it runs: the limit counts it once, not once per batch. */
const TX_BASE_GAS = 21_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
  const chain = await startSeededChain(dir, profile.blockGasLimit, options.positions);
  const { anvil, ethers, engine, lens, markets, owner, rpcUrl } = chain;
  let keepers: StartedProcess[] = [];
  try {
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
    let [lastPending, lastChangeAt] = [0, Date.now()];
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
      if (pending !== lastPending) [lastPending, lastChangeAt] = [pending, Date.now()];
      const mine =
        options.profile === "L2"
          ? Date.now() - lastBlockAt >= profile.blockSeconds * 1000
          : pending > 0 && (Date.now() - lastChangeAt >= L1_SETTLE_MS || Date.now() - firstPendingAt >= 2_000);
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
    const netPerLiquidation = tally.liquidations
      ? (tally.liquidationGas - TX_BASE_GAS * tally.liquidationTransactions) / tally.liquidations
      : 0;
    const ownLimitGas = Math.round(
      atCrash.liquidatable * netPerLiquidation + tally.deleverageGas - TX_BASE_GAS * tally.deleverageTransactions,
    );
    const limitGas = options.limitGas ?? ownLimitGas;
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
      limitBlocks: Math.round((limitGas / profile.blockGasLimit) * 100) / 100,
      limitGas,
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
    stopProcess(anvil);
  }
}

/** Liquidations, ADL fills and gas of the keepers' transactions after the crash block. */
async function tallyKeeperTransactions(ethers: HardhatEthers, engine: EngineBench, crashBlock: number, keepers: Set<string>) {
  const head = await ethers.provider.getBlockNumber();
  const tally = {
    liquidations: 0,
    liquidationGas: 0,
    liquidationTransactions: 0,
    deleverageGas: 0,
    deleverageTransactions: 0,
    adlFills: 0,
    transactions: 0,
    reverted: 0,
    lastEffectiveBlock: crashBlock,
    keeperGas: 0,
  };
  const gasByBlock = new Map<number, number>();
  const liquidateBatch = engine.interface.getFunction("liquidateBatch")!.selector;
  const deleverage = engine.interface.getFunction("deleverage")!.selector;
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
        tally.liquidationTransactions++;
      } else if (tx!.data.startsWith(deleverage) && fills > 0) {
        tally.deleverageGas += Number(receipt.gasUsed);
        tally.deleverageTransactions++;
      }
      tally.adlFills += fills;
      if (liquidations + fills > 0) tally.lastEffectiveBlock = block;
    }
  }
  for (const [block, gas] of gasByBlock) if (block <= tally.lastEffectiveBlock) tally.keeperGas += gas;
  // Where the blocks went, for reading where a storm lost time (an idle block shows as 0).
  const perBlock = Array.from({ length: tally.lastEffectiveBlock - crashBlock }, (_, i) =>
    ((gasByBlock.get(crashBlock + 1 + i) ?? 0) / 1e6).toFixed(1),
  );
  console.log(`storm: keeper gas per block after the crash (M): ${perBlock.join(" ")}`);
  return tally;
}
