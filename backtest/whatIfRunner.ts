// What-if mode: one book (a CSV snapshot, or generated from the scenario's trader population) and
// one deficit on one side, covered by every policy. No chain.
import { resolve } from "node:path";
import { type AdlSetting, type BookPosition, readBookCsv } from "./book.ts";
import { generateTraders, toFixed } from "./population.ts";
import { generatePath } from "./pricePaths.ts";
import { Rng } from "./random.ts";
import type { Scenario, WhatIfSpec } from "./scenario.ts";
import { type WhatIfResult, whatIf } from "./whatIf.ts";

export const WHAT_IF_DECIMALS = 6;
const VALUE_DIVISOR = 10n ** BigInt(36 - WHAT_IF_DECIMALS);
/** A price in quote units to WAD, through the feed's 8 decimals as on-chain. */
const wad = (price: number) => BigInt(Math.round(price * 1e8)) * 10n ** 10n;

export function settingOf(spec: WhatIfSpec): AdlSetting {
  return {
    price: wad(spec.price),
    fundingIndex: wad(spec.fundingIndex),
    valueDivisor: VALUE_DIVISOR,
    payerIsLong: spec.payer === "long",
    deficit: toFixed(spec.deficit, WHAT_IF_DECIMALS),
    debtPrice: spec.bankruptcyPrice === undefined ? 0n : wad(spec.bankruptcyPrice),
  };
}

/**
 * The population as a book: each trader entered at the price path's price at its entry step (or,
 * without a path, within a few percent of the what-if price), funding settled at the index.
 */
export function generatedBook(scenario: Scenario, seed: number): BookPosition[] {
  const spec = scenario.whatIf!;
  const rng = new Rng(seed);
  const path = scenario.price ? generatePath(scenario.price, rng, scenario.baseDir) : undefined;
  const traders = generateTraders(scenario.traders!, path?.prices.length ?? 1, rng);
  return traders.map((t) => {
    const entry = path ? path.prices[t.entryStep] : Math.round(spec.price * Math.exp(0.05 * rng.normal()) * 1e8) / 1e8;
    const size = toFixed(t.notional / entry, 18);
    return {
      id: BigInt(t.index + 1),
      account: `trader-${t.index}`,
      size: t.isLong ? size : -size,
      margin: toFixed(t.notional / t.leverage, WHAT_IF_DECIMALS),
      entryPrice: wad(entry),
      fundingSnapshot: wad(spec.fundingIndex),
    };
  });
}

export function runWhatIf(scenario: Scenario, seed: number): { book: BookPosition[]; result: WhatIfResult } {
  const spec = scenario.whatIf!;
  const setting = settingOf(spec);
  const book = spec.book
    ? readBookCsv(resolve(scenario.baseDir, spec.book), WHAT_IF_DECIMALS, setting.fundingIndex)
    : generatedBook(scenario, seed);
  return { book, result: whatIf(book, setting) };
}
