// The real keeper (its indexer, strategy and sender) over an in-process chain's EIP-1193 provider,
// for the demo and tests: same code as the daemon, without the HTTP transport and the loop.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Logger, pino } from "pino";
import { type EIP1193Provider, type PublicClient, createPublicClient, custom } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { keeperConfigSchema } from "../../keeper/config.ts";
import { indexerForBook } from "../../keeper/indexer.ts";
import { KeeperMetrics } from "../../keeper/metrics.ts";
import { TransactionSender } from "../../keeper/sender.ts";
import { KeeperStrategy } from "../../keeper/strategy.ts";
import type { AddressBook } from "./addressBook.ts";

/** A viem client over an in-process chain's EIP-1193 provider, uncached like the daemon's. */
export const inProcessClient = (provider: unknown) =>
  createPublicClient({ transport: custom(provider as EIP1193Provider), cacheTime: 0 }) as PublicClient;

/** A keeper config for an in-process chain; `rpcUrls` is required by the schema but unused. */
export function inProcessKeeperConfig(chainId: number, privateKey: `0x${string}`, overrides: Record<string, unknown> = {}) {
  return keeperConfigSchema.parse({
    rpcUrls: ["http://127.0.0.1:8545"],
    chainId,
    privateKey,
    addressBook: "in-memory",
    stateFile: join(mkdtempSync(join(tmpdir(), "embedded-keeper-")), "state.json"),
    ...overrides,
  });
}

/** Returns one keeper tick (index, scan, liquidate, deleverage), the keeper's metrics, and its
 * strategy for a test that drives the daemon's ticks itself. */
export function embeddedKeeper(
  provider: unknown,
  book: AddressBook,
  privateKey: `0x${string}`,
  overrides: Record<string, unknown> = {},
  log: Logger = pino({ level: "warn" }),
) {
  const config = inProcessKeeperConfig(book.chainId, privateKey, overrides);
  const client = inProcessClient(provider);
  const indexer = indexerForBook(client, book, BigInt(config.confirmations), config.stateFile);
  const sender = new TransactionSender({ client, account: privateKeyToAccount(privateKey), config, log });
  const metrics = new KeeperMetrics();
  const strategy = new KeeperStrategy({ client, book, indexer, sender, metrics, config, log });
  // The daemon's tick leaves its liquidation batches in flight and deleverages on a later tick; a
  // test's tick waits for them and then deleverages, so that one tick does the whole job.
  const tick = async () => {
    await strategy.tick();
    if (await strategy.settled()) await strategy.deleverageDue();
  };
  return { tick, metrics, strategy };
}
