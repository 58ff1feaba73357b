// A book snapshot (the positions of a market) and the one side of it that owes an ADL deficit,
// with each position's profit and key precomputed in exact bigint math (client/math.ts).
import { readFileSync, writeFileSync } from "node:fs";
import { keyOf } from "../client/adl.ts";
import { WAD, abs, notionalDown, traderValue } from "../client/math.ts";

export interface BookPosition {
  /** The position id; ties in every ranking go to the lower id, as on-chain. */
  id: bigint;
  account: string;
  /** Signed, 18 decimals: long > 0. */
  size: bigint;
  /** Settlement-token atoms. */
  margin: bigint;
  /** WAD. */
  entryPrice: bigint;
  /** WAD, the funding index the position last settled at. */
  fundingSnapshot: bigint;
}

/** Where and what a deficit is covered at. */
export interface AdlSetting {
  /** Oracle price, WAD. */
  price: bigint;
  fundingIndex: bigint;
  valueDivisor: bigint;
  payerIsLong: boolean;
  /** Token atoms the payer side owes. */
  deficit: bigint;
  /** The debt's bankruptcy price (WAD); fills take at most this far from the oracle per unit. 0: no limit (each closed unit gives up its whole profit). */
  debtPrice: bigint;
}

/** One payer-side position with what every policy and metric reads. */
export interface Candidate {
  position: BookPosition;
  absSize: bigint;
  k: bigint;
  /** Profit per unit of size in price units (X - k for a long, k - X for a short); may be <= 0. */
  unitProfit: bigint;
  /** Unrealised profit net of funding at the oracle, rounded down as the contracts do; may be <= 0. */
  profit: bigint;
  notional: bigint;
}

export const xOf = (s: AdlSetting) => s.price - s.fundingIndex;

/** The payer side of the book, with profits at the setting's price. */
export function payerSide(book: BookPosition[], s: AdlSetting): Candidate[] {
  const x = xOf(s);
  const out: Candidate[] = [];
  for (const position of book) {
    if (position.size === 0n || position.size > 0n !== s.payerIsLong) continue;
    const k = keyOf(position);
    out.push({
      position,
      absSize: abs(position.size),
      k,
      unitProfit: s.payerIsLong ? x - k : k - x,
      profit: traderValue(position.size, x - k, s.valueDivisor),
      notional: notionalDown(position.size, s.price, s.valueDivisor),
    });
  }
  return out;
}

/** Leverage of a position as a float: notional at the oracle over its margin. */
export const leverageOf = (c: Candidate) => (c.position.margin === 0n ? Infinity : Number((c.notional * WAD) / c.position.margin) / 1e18);

// ─── CSV ─────────────────────────────────────────────────────────────────────────────────────

/** A decimal string to a fixed-point bigint with `decimals` digits, exactly (extra digits are an error). */
export function parseFixed(text: string, decimals: number): bigint {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!m || (m[3] ?? "").length > decimals) throw new Error(`"${text}" is not a decimal with at most ${decimals} decimals`);
  const value = BigInt(m[2]) * 10n ** BigInt(decimals) + BigInt((m[3] ?? "").padEnd(decimals, "0") || "0");
  return m[1] === "-" ? -value : value;
}

export function formatFixed(value: bigint, decimals: number): string {
  const sign = value < 0n ? "-" : "";
  const v = abs(value);
  const unit = 10n ** BigInt(decimals);
  const fraction = (v % unit).toString().padStart(decimals, "0").replace(/0+$/, "");
  return `${sign}${v / unit}${fraction ? `.${fraction}` : ""}`;
}

const HEADER = "account,side,size,entryPrice,margin,fundingSnapshot";

/**
 * Reads `account,side,size,entryPrice,margin[,fundingSnapshot]`: size in base units (positive),
 * prices in quote units, margin in quote units with the token's decimals. A missing
 * fundingSnapshot means the position has settled funding at `fundingIndex`. Rows get ids 1, 2, ...
 */
export function readBookCsv(path: string, tokenDecimals: number, fundingIndex: bigint): BookPosition[] {
  const lines = readFileSync(path, "utf8").split(/\r?\n/);
  const book: BookPosition[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === "" || (i === 0 && line.startsWith("account"))) return;
    const where = `${path}:${i + 1}`;
    const cells = line.split(",").map((c) => c.trim());
    if (cells.length < 5) throw new Error(`${where}: expected ${HEADER}`);
    const [account, side, size, entry, margin, snapshot] = cells;
    if (side !== "long" && side !== "short") throw new Error(`${where}: side must be long or short, got "${side}"`);
    try {
      const absSize = parseFixed(size, 18);
      if (absSize <= 0n) throw new Error("size must be positive");
      book.push({
        id: BigInt(book.length + 1),
        account,
        size: side === "long" ? absSize : -absSize,
        entryPrice: parseFixed(entry, 18),
        margin: parseFixed(margin, tokenDecimals),
        fundingSnapshot: snapshot === undefined || snapshot === "" ? fundingIndex : parseFixed(snapshot, 18),
      });
    } catch (error) {
      throw new Error(`${where}: ${(error as Error).message}`);
    }
  });
  return book;
}

export function writeBookCsv(path: string, book: BookPosition[], tokenDecimals: number) {
  const rows = book.map((p) =>
    [
      p.account,
      p.size > 0n ? "long" : "short",
      formatFixed(abs(p.size), 18),
      formatFixed(p.entryPrice, 18),
      formatFixed(p.margin, tokenDecimals),
      formatFixed(p.fundingSnapshot, 18),
    ].join(","),
  );
  writeFileSync(path, [HEADER, ...rows].join("\n") + "\n");
}
