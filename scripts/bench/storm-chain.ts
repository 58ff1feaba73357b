// The crash storm's chain: anvil on 127.0.0.1 with a block gas limit, the protocol deployed by
// deployProtocol with the EngineBench harness as its engine (the real engine plus bulk seeding), and a
// book of 1 ETH positions at $3,000, half long and half short, over 53 leverage steps from 1x to 20x.
// Used by the storm and by the keeper's cold start (scripts/bench/keeper-cold-start.ts).
import type { ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { network } from "hardhat";
import type { EngineBench } from "../../types/ethers-contracts/index.ts";
import { deployProtocol } from "../lib/deployProtocol.ts";
import { type StartedProcess, devPrivateKey, freePort, startProcess, stopProcess } from "../lib/localChain.ts";
import { depositThroughRequest } from "../lib/lpRequests.ts";

export const PRICE = 3000_00000000n;

/** Block gas limit while the book is seeded: 1,000 positions (~330k gas each) a transaction and a
 * block. Anvil keeps a copy of the state for each recent block, so seeding 100,000 positions in
 * blocks of 60 (a 30M block) copied an ever larger state 1,700 times and ran past 10 minutes and
 * 8 GB; in 100 blocks it is about linear. A block's event logs stay under the keeper transport's
 * 10 MB response limit (~2.5 kB a position), as its indexer cannot split a range below one block. */
const SEEDING_BLOCK_GAS_LIMIT = 400_000_000;
const SEED_CHUNK = 1_000;

/**
 * Seeds the book through the harness. The transactions go out as raw eth_sendTransaction calls,
 * mined at once (automine): ethers' contract call would also poll for each transaction to appear,
 * about a second each.
 */
async function seedBook(ethers: HardhatEthers, engine: EngineBench, positions: number) {
  const [owner] = await ethers.getSigners();
  const size = 10n ** 18n;
  const notional = 3000n * 10n ** 6n;
  const margins = Array.from({ length: positions }, (_, i) => (notional * 10n ** 6n) / BigInt(Math.round(20 ** ((i % 53) / 52) * 1e6)));
  const hashes: string[] = [];
  for (const isLong of [true, false]) {
    const side = margins.filter((_, i) => i % 2 === (isLong ? 0 : 1));
    for (let i = 0; i < side.length; i += SEED_CHUNK) {
      const data = engine.interface.encodeFunctionData("seedPositions", [
        0,
        isLong,
        size,
        3000n * 10n ** 18n,
        side.slice(i, i + SEED_CHUNK),
      ]);
      // The whole seeding block's gas: unused gas is not charged.
      const tx = { from: owner.address, to: await engine.getAddress(), data, gas: `0x${SEEDING_BLOCK_GAS_LIMIT.toString(16)}` };
      hashes.push(await ethers.provider.send("eth_sendTransaction", [tx]));
    }
  }
  const receipts = await Promise.all(hashes.map((hash) => ethers.provider.waitForTransaction(hash)));
  if (receipts.some((r) => r?.status !== 1)) throw new Error("storm: a seeding transaction failed");
}

/**
 * Starts anvil, deploys, funds the vault ($100M: no pool-protection ADL) and
 * the insurance fund ($100k: less than the bankrupt longs' deficits after a 12% crash, so the rest
 * is ADL debt), seeds `positions`, sets the block gas limit to `blockGasLimit` and writes the
 * address book to `dir`/book.json. The caller stops
 * `anvil` by its PID.
 */
export async function startSeededChain(dir: string, blockGasLimit: number, positions: number) {
  const port = await freePort();
  const rpcUrl = `http://127.0.0.1:${port}`;
  const node = startProcess(
    join(process.cwd(), "node_modules/.bin/anvil"),
    // Only recent states in memory: seeding 100,000 positions took anvil past 9 GB of RSS otherwise.
    [
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      "--gas-limit",
      String(SEEDING_BLOCK_GAS_LIMIT),
      "--accounts",
      "20",
      "--prune-history",
      "256",
    ],
    /Listening on/,
  );
  const anvil: ChildProcess = node.child;
  try {
    await node.done;
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
    await depositThroughRequest(ethers.provider, vault, [markets[0].feed], usd(100_000_000n), owner.address);
    await (await engine.fundInsurance(usd(100_000n))).wait();
    const seeding = Date.now();
    await seedBook(ethers, engine, positions);
    console.log(`bench: seeded ${positions} positions in ${((Date.now() - seeding) / 1000).toFixed(0)} s`);
    // Seeded margin is not backed by tokens: back it, so liquidations can pay out.
    await (await token.mint(await engine.getAddress(), usd(BigInt(positions) * 3_000n))).wait();
    // The profile's block gas limit from the next block on: what the keepers read and fill.
    await ethers.provider.send("evm_setBlockGasLimit", [`0x${blockGasLimit.toString(16)}`]);
    await ethers.provider.send("evm_mine", []);
    const limit = (await ethers.provider.getBlock("latest"))!.gasLimit;
    if (limit !== BigInt(blockGasLimit)) throw new Error(`storm: the block gas limit is ${limit}, not ${blockGasLimit}`);
    return { anvil, ethers, engine, lens, markets, owner, rpcUrl };
  } catch (error) {
    stopProcess(anvil);
    throw error;
  }
}

/** Starts `count` keeper daemons (`keeper run`, as operators run it) on the chain, each with its own
 * dev account, config and state file in `dir`, woken by new heads over a websocket. */
export function startKeepers(dir: string, rpcUrl: string, count: number, overrides: Record<string, unknown>): StartedProcess[] {
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
