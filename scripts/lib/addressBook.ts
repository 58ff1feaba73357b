import { readFile, writeFile, mkdir } from "node:fs/promises";
import { dirname } from "node:path";

/** One deployed contract, with what a block explorer needs to verify it. */
export interface DeployedContract {
  contractName: string;
  address: `0x${string}`;
  constructorArgs: unknown[];
  libraries: Record<string, `0x${string}`>;
  blockNumber: number;
}

/** What a deployment writes and what the keeper and frontends read. */
export interface AddressBook {
  chainId: number;
  /** The Hardhat Ignition deployment it was written from (ignition/deployments/<id>). */
  deploymentId?: string;
  deploymentBlock: number;
  engine: `0x${string}`;
  vault: `0x${string}`;
  lens: `0x${string}`;
  collateralToken: `0x${string}`;
  liquidationModule?: `0x${string}`;
  governanceModule?: `0x${string}`;
  orderModule?: `0x${string}`;
  orderRules?: `0x${string}`;
  adlQueue?: `0x${string}`;
  markets: {
    marketId: number;
    name: string;
    oracle: `0x${string}`;
    /** The contract the oracle reads: the Chainlink aggregator, or the Pyth contract. */
    feed: `0x${string}`;
    heartbeatSeconds?: number;
    /** The market's price source; books written before Pyth markets existed omit it (Chainlink). */
    source?: "chainlink" | "pyth";
    /** The Pyth feed id, for Pyth markets: what the keeper asks Hermes for. */
    pythPriceId?: `0x${string}`;
  }[];
  /** Every contract Ignition deployed, by its future id. */
  contracts?: Record<string, DeployedContract>;
}

export async function writeAddressBook(path: string, book: AddressBook): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, JSON.stringify(book, null, 2) + "\n");
}

export async function readAddressBook(path: string): Promise<AddressBook> {
  return JSON.parse(await readFile(path, "utf8")) as AddressBook;
}
