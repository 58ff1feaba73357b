#!/usr/bin/env node
// The keeper CLI: `keeper run` (the daemon), `keeper status`, `keeper --help`.
// Run it as `node keeper/cli.ts run --config keeper.json` (or the `keeper` bin), not through
// `npm run`: npm does not pass SIGTERM on, and a killed npm leaves the keeper running.
import { Command } from "commander";
import { type Logger, pino } from "pino";
import { createPublicClient, defineChain, fallback, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { ConfigError, type KeeperConfig, loadConfig, loadSigningKey } from "./config.ts";
import { loadAddressBook } from "./contracts.ts";
import { indexerForBook } from "./indexer.ts";
import { KeeperMetrics } from "./metrics.ts";
import { NewHeadSignal } from "./newHeads.ts";
import { checkAddressBook } from "./preflight.ts";
import { TransactionSender } from "./sender.ts";
import { statusReport } from "./status.ts";
import { KeeperStrategy } from "./strategy.ts";

/** Replaced once the config is read (its logLevel); until then, and for a crash, at info. */
let log: Logger = pino({ base: { service: "keeper" } });
const loggerFor = (config: KeeperConfig) =>
  pino({ base: { service: "keeper" }, level: config.logLevel, redact: ["privateKey", "config.privateKey"] });

/** `batch: false`: the indexer's client. An event log range can answer with megabytes; batched with
 * a tick's other reads, a response over the transport's limit failed them all, and the whole tick. */
function publicClientFor(config: KeeperConfig, batch = true) {
  const chain = defineChain({
    id: config.chainId,
    name: `chain-${config.chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: config.rpcUrls } },
  });
  // Several RPC URLs fail over in order; each request times out rather than hanging a tick. Reads
  // made together (a tick's Promise.all) go out as one JSON-RPC batch: one HTTP request, not ten.
  const transport = fallback(
    config.rpcUrls.map((url) => http(url, { timeout: 10_000, retryCount: 1, batch: batch && { batchSize: 100 } })),
  );
  // No response caching: a keeper must see each new block at once.
  return createPublicClient({ chain, transport, cacheTime: 0, pollingInterval: config.pollIntervalMs });
}

async function checkRpc(config: KeeperConfig, publicClient: ReturnType<typeof publicClientFor>) {
  try {
    const chainId = await publicClient.getChainId();
    if (chainId !== config.chainId) throw new ConfigError(`RPC reports chain ${chainId}, config says ${config.chainId}`);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`RPC unreachable at ${config.rpcUrls.join(", ")}`);
  }
}

/** Config, address book and RPC, each checked: any mismatch is a one-line ConfigError. */
async function connect(configPath: string | undefined, needsSigner: boolean) {
  const config = loadConfig(configPath, process.env, { needsSigner });
  log = loggerFor(config);
  const book = loadAddressBook(config.addressBook, config.chainId);
  const publicClient = publicClientFor(config);
  await checkRpc(config, publicClient);
  await checkAddressBook(publicClient, book, config.addressBook);
  return { config, book, publicClient };
}

async function run(configPath: string | undefined) {
  const { config, book, publicClient } = await connect(configPath, true);
  const account = privateKeyToAccount(await loadSigningKey(config));
  const metrics = new KeeperMetrics();
  const server = await metrics.listen(config.metricsPort, config.healthMaxTickAgeMs, config.metricsHost);
  const indexer = indexerForBook(publicClientFor(config, false), book, BigInt(config.confirmations), config.stateFile, (reason) =>
    log.warn(reason),
  );
  const stop = new AbortController();
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => stop.abort());
  const sender = new TransactionSender({ client: publicClient, account, config, log, signal: stop.signal });
  const strategy = new KeeperStrategy({ client: publicClient, book, indexer, sender, metrics, config, log });
  const started = { keeper: account.address, engine: book.engine, rpcUrls: config.rpcUrls.length, newHeads: Boolean(config.wsUrl) };
  const { port } = server.address() as { port: number };
  log.info({ ...started, dryRun: config.dryRun, metrics: `${config.metricsHost}:${port}` }, "keeper started");

  const newHeads = new NewHeadSignal(config.wsUrl, log);
  stop.signal.addEventListener("abort", () => void newHeads.close());
  // One tick at a time: the loop awaits each tick before sleeping, so ticks never overlap.
  let firstTick = true;
  while (!stop.signal.aborted) {
    const end = metrics.tickDuration.startTimer();
    try {
      await strategy.tick();
      metrics.tickCompleted();
      // How long a fresh keeper took to index the book and act on it (the cold-start benchmark).
      if (firstTick) log.info({ positions: indexer.openIds().length, uptimeSeconds: process.uptime() }, "first tick complete");
      firstTick = false;
    } catch (error) {
      metrics.rpcErrors.inc();
      log.error({ error: (error as Error).message }, "tick failed; retrying next tick");
    }
    end();
    await newHeads.wait(config.pollIntervalMs);
  }
  // Batches still in flight: their outcomes are logged (as pending once the watch is aborted).
  await strategy.settled();
  await newHeads.close();
  server.close();
  log.info("keeper stopped");
}

/** Read-only: needs no key. */
async function status(configPath: string | undefined) {
  const { config, book, publicClient } = await connect(configPath, false);
  const indexer = indexerForBook(publicClient, book, 0n, `${config.stateFile}.status`, (reason) => log.warn(reason));
  process.stdout.write(await statusReport(publicClient, book, indexer));
}

const program = new Command("keeper").description("Liquidation and auto-deleveraging keeper for the ranked-ADL perps protocol");
program
  .command("run")
  .description("run the keeper daemon")
  .option("-c, --config <path>", "JSON config file (environment variables override it)")
  .action((o) => run(o.config));
program
  .command("status")
  .description("print markets, prices, insurance coverage, ADL debt and queue tops, and the positions most at risk")
  .option("-c, --config <path>", "JSON config file")
  .action((o) => status(o.config));

program.parseAsync().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`keeper: ${error.message}\n`);
    process.exit(2);
  }
  log.fatal({ error: (error as Error).message }, "keeper crashed");
  process.exit(1);
});
