// Turns any revert from the protocol into its custom error's name and arguments, whichever contract
// raised it: the engine's modules, libraries and oracle adapters revert through the engine's address.
import { BaseError, decodeErrorResult, isHex, type Hex } from "viem";
import { protocolErrorsAbi } from "./abis.js";

export { protocolErrorsAbi };

export interface DecodedProtocolError {
  errorName: string;
  args: readonly unknown[];
  /** The revert data it was decoded from. */
  data: Hex;
}

/** The revert data inside a viem error (a failed call, estimate or simulation), or the hex itself. */
export function revertData(error: unknown): Hex | undefined {
  if (typeof error === "string") return isHex(error) ? error : undefined;
  if (!(error instanceof BaseError)) return undefined;
  let found: Hex | undefined;
  error.walk((cause) => {
    const data = (cause as { data?: unknown }).data;
    if (typeof data === "string" && isHex(data)) found = data;
    else if (data && typeof data === "object" && isHex((data as { data?: unknown }).data)) found = (data as { data: Hex }).data;
    return false;
  });
  return found;
}

/**
 * The protocol error a failed call reverted with, or undefined when it reverted otherwise (no data,
 * a plain `require` string, or an error of another contract such as the token).
 */
export function decodeProtocolError(error: unknown): DecodedProtocolError | undefined {
  const data = revertData(error);
  if (!data || data.length < 10) return undefined;
  try {
    const decoded = decodeErrorResult({ abi: protocolErrorsAbi, data });
    return { errorName: decoded.errorName, args: decoded.args ?? [], data };
  } catch {
    return undefined;
  }
}
