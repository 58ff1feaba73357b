// ABIs from the Hardhat build artifacts (never retyped by hand) and the deployment address book.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Abi, PublicClient } from "viem";
import { KEEPER_ARTIFACTS } from "./artifacts.ts";
import { ConfigError } from "./config.ts";
import type { AddressBook } from "../scripts/lib/addressBook.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function artifactAbi(path: string): Abi {
  try {
    return JSON.parse(readFileSync(join(root, "artifacts/contracts", path), "utf8")).abi as Abi;
  } catch {
    throw new ConfigError(`missing build artifact ${path}: run \`npm run compile\` first`);
  }
}

export const oracleAbi = artifactAbi(KEEPER_ARTIFACTS.oracle);
export const pythOracleAbi = artifactAbi(KEEPER_ARTIFACTS.pythOracle);
const oracleErrors = oracleAbi.filter((item) => item.type === "error");
/** The engine's and the lens's ABIs plus the oracle's errors, so reverts from a price read decode too. */
export const engineAbi = [...artifactAbi(KEEPER_ARTIFACTS.engine), ...oracleErrors] as Abi;
export const lensAbi = [...artifactAbi(KEEPER_ARTIFACTS.lens), ...oracleErrors] as Abi;

/** Typed reads of the protocol's views (at `blockNumber`, or the latest block). */
export function protocolReader(client: PublicClient, book: Pick<AddressBook, "engine" | "lens">) {
  const read =
    (address: `0x${string}`, abi: Abi) =>
    <T>(functionName: string, args: readonly unknown[] = [], blockNumber?: bigint) =>
      client.readContract({ address, abi, functionName, args, blockNumber }) as Promise<T>;
  return {
    engine: read(book.engine, engineAbi),
    lens: read(book.lens, lensAbi),
    oraclePrice: (oracle: `0x${string}`) => read(oracle, oracleAbi)<bigint>("price"),
  };
}
export type ProtocolReader = ReturnType<typeof protocolReader>;

/** PerpLens.positionHealth, the fields the keeper reads. */
export interface PositionHealthView {
  positionId: bigint;
  size: bigint;
  equity: bigint;
  marginRatio: bigint;
  liquidatable: boolean;
}

/** PerpLens.marketAdlState. */
export interface MarketAdlStateView {
  insuranceFund: bigint;
  insuranceCoverage: bigint;
  longAdlDebt: bigint;
  shortAdlDebt: bigint;
  longPnlFactor: bigint;
  shortPnlFactor: bigint;
  maxPnlFactor: bigint;
}

export function loadAddressBook(path: string, chainId: number): AddressBook {
  let book: AddressBook;
  try {
    book = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    throw new ConfigError(`address book ${path} cannot be read as JSON`);
  }
  if (book.chainId !== chainId) throw new ConfigError(`address book ${path} is for chain ${book.chainId}, config says ${chainId}`);
  return book;
}
