// Amounts typed by people: dollars (collateral, 6 decimals) and sizes (WAD), with a clear message
// instead of viem's parse error for anything that is not a plain positive number.
import { parseUnits } from "viem";
import { COLLATERAL_DECIMALS, WAD_DECIMALS } from "./format.ts";

function parsePositive(text: string, decimals: number, what: string): bigint {
  const trimmed = text.trim().replaceAll(",", "");
  if (!/^\d*\.?\d+$/.test(trimmed)) throw new Error(`${what}: enter a positive number, got "${text}"`);
  const [, fraction = ""] = trimmed.split(".");
  if (fraction.length > decimals) throw new Error(`${what}: at most ${decimals} decimals`);
  const value = parseUnits(trimmed, decimals);
  if (value === 0n) throw new Error(`${what} must be more than 0`);
  return value;
}

export const parseUsd = (text: string, what: string) => parsePositive(text, COLLATERAL_DECIMALS, what);
export const parseSize = (text: string, what: string) => parsePositive(text, WAD_DECIMALS, what);
