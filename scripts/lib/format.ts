// Human-readable formatting of on-chain amounts for scripts' console output.
import { formatUnits } from "ethers";

export const fmtUsd = (atoms: bigint, decimals = 6) =>
  Number(formatUnits(atoms, decimals)).toLocaleString("en-US", { maximumFractionDigits: 2, minimumFractionDigits: 2 });
export const fmtWad = (wad: bigint, digits = 2) =>
  Number(formatUnits(wad, 18)).toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Prints rows as an aligned text table. */
export function printTable(rows: Record<string, string | number>[], print: (line: string) => void = console.log): void {
  if (rows.length === 0) return;
  const headers = Object.keys(rows[0]);
  const widths = headers.map((h) => Math.max(h.length, ...rows.map((r) => String(r[h]).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join("  ");
  print(line(headers));
  for (const row of rows) print(line(headers.map((h) => String(row[h]))));
}
