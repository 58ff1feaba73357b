// Revert data to the protocol's custom error name, with the SDK's combined error ABI: the engine's
// modules, libraries and oracle adapters revert through the engine's (or the lens's) address, so
// the ABI of the contract called is not enough to name what it reverted with.
import { type Hex, decodeErrorResult } from "viem";
import { protocolErrorsAbi } from "../sdk/src/abis.ts";

/** The custom error `data` encodes, or undefined when it is none of the protocol's (or no data at all). */
export function protocolErrorName(data: Hex | undefined): string | undefined {
  if (data === undefined || data.length < 10) return undefined;
  try {
    return decodeErrorResult({ abi: protocolErrorsAbi, data }).errorName;
  } catch {
    return undefined;
  }
}
