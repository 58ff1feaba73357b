// The protocol's addresses on one chain, taken from the address book a deployment writes
// (scripts/deploy.ts: deployments/chain-<id>.json).
import { getAddress, isAddress, type Address } from "viem";

/** The fields of a deployment address book that the SDK reads; a full book satisfies it. */
export interface ProtocolAddresses {
  chainId: number;
  /** The block the deployment started at: where event scans (pending orders) begin. */
  deploymentBlock: number;
  engine: Address;
  lens: Address;
  vault: Address;
  collateralToken: Address;
  markets: readonly { marketId: number; name: string; oracle: Address }[];
}

const CONTRACTS = ["engine", "lens", "vault", "collateralToken"] as const;

/**
 * The addresses for `chainId` from one address book or several (one per chain), checked and
 * checksummed; throws a clear error when no book is for that chain or a field is not an address.
 */
export function addressesFor(books: ProtocolAddresses | readonly ProtocolAddresses[], chainId: number): ProtocolAddresses {
  const list = Array.isArray(books) ? (books as readonly ProtocolAddresses[]) : [books as ProtocolAddresses];
  const book = list.find((b) => b.chainId === chainId);
  if (!book) throw new Error(`no address book for chain ${chainId} (have: ${list.map((b) => b.chainId).join(", ") || "none"})`);
  const checked = { ...book };
  for (const name of CONTRACTS) {
    if (!isAddress(book[name], { strict: false }))
      throw new Error(`address book for chain ${chainId}: ${name} is not an address: ${book[name]}`);
    checked[name] = getAddress(book[name]);
  }
  checked.markets = book.markets.map((m) => {
    if (!isAddress(m.oracle, { strict: false }))
      throw new Error(`address book for chain ${chainId}: market ${m.marketId} oracle is not an address`);
    return { marketId: m.marketId, name: m.name, oracle: getAddress(m.oracle) };
  });
  return checked;
}

/** The market id listed under `name` (e.g. "ETH"). */
export function marketIdOf(addresses: ProtocolAddresses, name: string): number {
  const market = addresses.markets.find((m) => m.name === name);
  if (!market) throw new Error(`no market named ${name} (have: ${addresses.markets.map((m) => m.name).join(", ")})`);
  return market.marketId;
}
