// The protocol's contracts as the keeper reads and calls them, through the ABIs the SDK generates
// `as const` from the build artifacts (sdk/src/abis.ts, written by scripts/generate-sdk-abis.ts): tsc
// checks every function name and argument against the contracts and infers every return type, so
// no view is retyped by hand here. Also the deployment address book.
import { readFileSync } from "node:fs";
import { type Abi, type ContractFunctionName, type ContractFunctionParameters, type PublicClient, getContract } from "viem";
import { chainlinkPriceOracleAbi, perpEngineAbi, perpLensAbi } from "../sdk/src/abis.ts";
import { ConfigError } from "./config.ts";
import type { ContractCall } from "./sender.ts";
import type { AddressBook } from "../scripts/lib/addressBook.ts";

/** Typed reads of the engine's and the lens's views (`{ blockNumber }` as the last argument reads at that block). */
export function protocolReader(client: PublicClient, book: Pick<AddressBook, "engine" | "lens">) {
  return {
    engine: getContract({ address: book.engine, abi: perpEngineAbi, client }).read,
    lens: getContract({ address: book.lens, abi: perpLensAbi, client }).read,
    // price() is IPriceOracle's, so Chainlink and Pyth adapters both answer it.
    oraclePrice: (oracle: `0x${string}`) => client.readContract({ address: oracle, abi: chainlinkPriceOracleAbi, functionName: "price" }),
  };
}
export type ProtocolReader = ReturnType<typeof protocolReader>;

type WriteName<abi extends Abi> = ContractFunctionName<abi, "nonpayable" | "payable">;

/**
 * A transaction for the sender, its function name and arguments checked against `abi` by tsc (the
 * sender itself takes any call). `value`: native currency sent along, for a payable function.
 */
export function contractCall<const abi extends Abi, functionName extends WriteName<abi>>(
  call: ContractFunctionParameters<abi, "nonpayable" | "payable", functionName> & { value?: bigint },
): ContractCall {
  // A function without inputs may leave its args out; the sender's call always carries them.
  return { ...call, args: Array.isArray(call.args) ? call.args : [] };
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
