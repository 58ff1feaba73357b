// The page's connection: the address book and RPC path the server hands out in /config.json, one
// batched HTTP client (viem's http batch: the JSON-RPC calls a refresh makes in the same tick go
// out as one POST), and the SDK's reader and writer over it.
import { createPublicClient, http, HttpRequestError, TimeoutError, BaseError, type PublicClient } from "viem";
import { addressesFor, createReader, createWriter, type ProtocolAddresses, type Reader, type Writer } from "../../sdk/dist/index.js";

/** What server.ts serves at /config.json. */
export interface DashboardConfig {
  /** Same-origin path the server proxies to the node, so the page needs no CORS from it. */
  rpcPath: string;
  /** The node the proxy forwards to, for messages only. */
  rpcUrl: string;
  addressBook: ProtocolAddresses;
}

export interface Chain {
  client: PublicClient;
  addresses: ProtocolAddresses;
  reader: Reader;
  writer: Writer;
  /** The market's display name, which is also its base unit (e.g. "ETH"). */
  marketName(marketId: number): string;
}

export async function loadConfig(): Promise<DashboardConfig> {
  const response = await fetch("/config.json");
  if (!response.ok) throw new Error(`/config.json: HTTP ${response.status}`);
  return (await response.json()) as DashboardConfig;
}

/** Connects, checking the node's chain id against the address book (a clear error when they differ). */
export async function connect(config: DashboardConfig): Promise<Chain> {
  const client = createPublicClient({
    transport: http(new URL(config.rpcPath, location.href).href, { batch: true, retryCount: 0, timeout: 10_000 }),
    // Every refresh must read the block it was triggered by: no response cache.
    cacheTime: 0,
  }) as PublicClient;
  const addresses = addressesFor(config.addressBook, await client.getChainId());
  const reader = createReader(client, addresses);
  const writer = createWriter(client, addresses, reader);
  const marketName = (marketId: number) => addresses.markets.find((m) => m.marketId === marketId)?.name ?? `market ${marketId}`;
  return { client, addresses, reader, writer, marketName };
}

/** True when `error` means the node did not answer (down, proxy error, timeout), not a revert. */
export function isUnreachable(error: unknown): boolean {
  if (!(error instanceof BaseError)) return error instanceof TypeError; // fetch's network failure
  return Boolean(error.walk((cause) => cause instanceof HttpRequestError || cause instanceof TimeoutError));
}
