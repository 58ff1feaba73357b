// `npm run dashboard -- --rpc <url> --addresses <address book json>`: checks the node and the book
// (one clear line and exit 1 when either is wrong), then serves the page until Ctrl-C.
import { readFile } from "node:fs/promises";
import { Command } from "commander";
import { createPublicClient, http, type PublicClient } from "viem";
import { ConfigError } from "../keeper/config.ts";
import { checkAddressBook } from "../keeper/preflight.ts";
import type { AddressBook } from "../scripts/lib/addressBook.ts";
import { startDashboard } from "./server.ts";

/** Where `npm run deploy:local` writes the localhost book (scripts/deploy.ts: deployments/chain-<id>.json). */
const LOCAL_BOOK = "deployments/chain-31337.json";
const RPC_TIMEOUT_MS = 5_000;

class InputError extends Error {}

async function readBook(path: string): Promise<AddressBook> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
    throw new InputError(
      missing
        ? `address book ${path} does not exist (run \`npm run deploy:local\` for a local node, or pass --addresses)`
        : `address book ${path} cannot be read: ${(error as Error).message}`,
    );
  }
  try {
    return JSON.parse(text) as AddressBook;
  } catch {
    throw new InputError(`address book ${path} is not JSON`);
  }
}

async function checkNode(rpcUrl: string, book: AddressBook, bookPath: string) {
  let client: PublicClient;
  let chainId: number;
  try {
    client = createPublicClient({ transport: http(rpcUrl, { timeout: RPC_TIMEOUT_MS, retryCount: 0 }) }) as PublicClient;
    chainId = await client.getChainId();
  } catch (error) {
    const { shortMessage, details } = error as { shortMessage?: string; details?: string };
    throw new InputError(`RPC ${rpcUrl} is unreachable: ${shortMessage ? `${shortMessage} (${details})` : (error as Error).message}`);
  }
  if (chainId !== book.chainId)
    throw new InputError(`address book ${bookPath} is for chain ${book.chainId}, but ${rpcUrl} is chain ${chainId}`);
  await checkAddressBook(client, book, bookPath);
}

const program = new Command("dashboard")
  .description("Serve the protocol dashboard (markets, ADL queues, positions, trading, liquidations) on 127.0.0.1")
  .option("--rpc <url>", "the node's JSON-RPC URL", "http://127.0.0.1:8545")
  .option("--addresses <path>", "the deployment's address book", LOCAL_BOOK)
  .option("--port <port>", "port to serve on (0: any free port)", "5173")
  .action(async (options: { rpc: string; addresses: string; port: string }) => {
    const port = Number(options.port);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new InputError(`--port must be a port number, got ${options.port}`);
    const book = await readBook(options.addresses);
    await checkNode(options.rpc, book, options.addresses);
    const dashboard = await startDashboard({ rpcUrl: options.rpc, addressBook: book, port });
    console.log(`Dashboard on ${dashboard.url} (node ${options.rpc}, chain ${book.chainId}); Ctrl-C stops it.`);
    const stop = () => void dashboard.close().then(() => process.exit(0));
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });

try {
  await program.parseAsync();
} catch (error) {
  // Bad input and a stale book are one line; anything else is a bug worth its stack.
  const known = error instanceof InputError || error instanceof ConfigError;
  console.error(`dashboard: ${known ? (error as Error).message : ((error as Error).stack ?? String(error))}`);
  process.exit(1);
}
