// The real keeper (its indexer, strategy and sender) over an in-process chain's EIP-1193 provider,
// for the demo and tests: same code as the daemon, without the HTTP transport and the loop.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { type EIP1193Provider, type PublicClient, createPublicClient, custom } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { keeperConfigSchema } from "../../keeper/config.ts";
import { PositionIndexer } from "../../keeper/indexer.ts";
import { KeeperMetrics } from "../../keeper/metrics.ts";
import { TransactionSender } from "../../keeper/sender.ts";
import { KeeperStrategy } from "../../keeper/strategy.ts";
import type { AddressBook } from "./addressBook.ts";

/** Returns one keeper tick (index, scan, liquidate, deleverage) and the keeper's metrics. */
export async function embeddedKeeper(provider: unknown, book: AddressBook, privateKey: `0x${string}`) {
  const config = keeperConfigSchema.parse({
    rpcUrls: ["http://127.0.0.1:8545"], // unused: the client talks to the in-process chain
    chainId: book.chainId,
    privateKey,
    addressBook: "in-memory",
    stateFile: join(mkdtempSync(join(tmpdir(), "embedded-keeper-")), "state.json"),
  });
  const client = createPublicClient({ transport: custom(provider as EIP1193Provider), cacheTime: 0 }) as PublicClient;
  const log = pino({ level: "warn" });
  const indexer = new PositionIndexer({
    client,
    engine: book.engine,
    lens: book.lens,
    deploymentBlock: BigInt(book.deploymentBlock),
    confirmations: 0n,
    stateFile: config.stateFile,
  });
  const sender = new TransactionSender({ client, account: privateKeyToAccount(privateKey), config, log });
  const metrics = new KeeperMetrics();
  const strategy = new KeeperStrategy({ client, book, indexer, sender, metrics, config, log });
  return { tick: () => strategy.tick(), metrics };
}
