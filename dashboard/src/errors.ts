// One line for any failure a panel shows: the protocol's custom error with its arguments when the
// call reverted with one (SDK decodeProtocolError), else viem's short message.
import { BaseError } from "viem";
import { decodeProtocolError } from "../../sdk/dist/index.js";

export function describeError(error: unknown): string {
  const decoded = decodeProtocolError(error);
  if (decoded) return `${decoded.errorName}(${decoded.args.map(String).join(", ")})`;
  if (error instanceof BaseError) return error.shortMessage;
  return error instanceof Error ? error.message : String(error);
}

/** The protocol error's name, for a data-error attribute (styling, tests), or "" for any other failure. */
export const protocolErrorName = (error: unknown) => decodeProtocolError(error)?.errorName ?? "";
