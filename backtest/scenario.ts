// The scenario file: what a backtest runs. Written in zod so that a bad file fails with one clear
// line, and so that scenario.schema.json (for editors and readers) is generated from the same
// source (`npm run backtest -- --write-schema`; a test checks the committed file is current).
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { z } from "zod/v4";

const fraction = z.number().min(0).max(1);
const positive = z.number().positive();
const steps = z.number().int().min(2).max(100_000).describe("Number of steps on the path");
const stepSeconds = z.number().int().min(1).max(86_400).describe("Seconds between steps");
const start = positive.describe("First price, quote units per base unit");
const volatility = z.number().min(0).max(5).default(0.5).describe("Annualised volatility of the noise around the path");

const priceSpec = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("gbm"),
    start,
    steps,
    stepSeconds,
    volatility,
    drift: z.number().default(0).describe("Annualised drift"),
    jumpsPerDay: z.number().min(0).default(0).describe("Poisson rate of jumps"),
    jumpMean: z.number().default(0).describe("Mean log-size of a jump"),
    jumpStd: z.number().min(0).default(0).describe("Standard deviation of a jump's log-size"),
  }),
  z.object({
    kind: z.literal("flashCrash"),
    start,
    steps,
    stepSeconds,
    volatility,
    crashAt: z.number().int().min(1).describe("Step the crash starts at"),
    crashSteps: z.number().int().min(1).default(1).describe("Steps the fall takes (1: a gap)"),
    drop: z.number().gt(0).lt(1).describe("Fall as a fraction of the price, e.g. 0.15"),
    reboundSteps: z.number().int().min(1).default(10),
    reboundShare: fraction.default(0.8).describe("Share of the fall (in log terms) won back"),
  }),
  z.object({
    kind: z.literal("bleed"),
    start,
    steps,
    stepSeconds,
    volatility,
    drop: z.number().gt(0).lt(1).describe("Total fall over the path, e.g. 0.4"),
  }),
  z.object({
    kind: z.literal("squeeze"),
    start,
    steps,
    stepSeconds,
    volatility,
    squeezeAt: z.number().int().min(1),
    squeezeSteps: z.number().int().min(1).default(5),
    rise: z.number().positive().describe("Rise as a fraction of the price, e.g. 0.3"),
  }),
  z.object({
    kind: z.literal("csv"),
    file: z.string().min(1).describe("CSV of timestamp,price (seconds), relative to the scenario file"),
  }),
]);

const whale = z.object({
  side: z.enum(["long", "short"]),
  notional: positive.describe("Notional at entry, quote units"),
  leverage: z.number().min(1),
  count: z.number().int().min(1).default(1),
  entryStep: z.number().int().min(0).default(0),
});

const traders = z.object({
  count: z.number().int().min(1).max(100_000),
  longShare: fraction.default(0.5).describe("Share of traders who go long"),
  notional: z
    .object({
      min: positive.describe("Smallest notional, quote units"),
      alpha: z.number().gt(0).default(1.5).describe("Pareto tail index: lower is heavier"),
      max: positive.describe("Largest notional (the tail is cut here)"),
    })
    .describe("Position notional at entry: Pareto, heavy-tailed"),
  leverage: z
    .object({
      median: z.number().min(1),
      sigma: z.number().min(0).default(0.6).describe("Log-normal spread"),
      max: z.number().min(1).describe("Cut here and at the market's tier limits"),
    })
    .describe("Leverage at entry: log-normal"),
  entry: z
    .object({ from: fraction.default(0), to: fraction.default(0) })
    .default({ from: 0, to: 0 })
    .describe("Entry times, as fractions of the path, uniform between from and to"),
  whales: z.array(whale).default([]).describe("Large positions placed on top of the population"),
});

const market = z
  .object({
    maxOpenInterest: positive.optional().describe("Open-interest cap per side, base units"),
    skewScale: positive.optional().describe("Skew reaching the maximum funding rate, base units"),
    maxFundingRatePerHour: z.number().min(0).optional().describe("Fraction per hour at full skew"),
    tradingFeeRate: z.number().min(0).optional().describe("Fraction of traded notional"),
    liquidationPenaltyRate: z.number().min(0).optional(),
    maxPnlFactor: z.number().min(0).optional(),
    targetPnlFactor: z.number().min(0).optional(),
  })
  .default({});

const whatIf = z.object({
  book: z
    .string()
    .optional()
    .describe("Book CSV (account,side,size,entryPrice,margin[,fundingSnapshot]); generated from `traders` when omitted"),
  price: positive.describe("Mark price the deficit is covered at"),
  fundingIndex: z.number().default(0),
  bankruptcyPrice: positive.optional().describe("Fill price of the debt; the mark (full profit of the closed part) when omitted"),
  payer: z.enum(["long", "short"]).describe("Side that owes the deficit"),
  deficit: positive.describe("Deficit to cover, quote units"),
});

export const scenarioSchema = z
  .object({
    $schema: z.string().optional(),
    name: z.string().regex(/^[a-z0-9-]+$/),
    description: z.string().default(""),
    seed: z.number().int().min(0).default(1),
    mode: z.enum(["replay", "whatIf"]).default("replay"),
    price: priceSpec.optional().describe("Replay: the oracle's path"),
    traders: traders.optional(),
    lpCapital: positive.default(10_000_000).describe("Replay: LP deposit into the vault, quote units"),
    insuranceSeed: z.number().min(0).default(0).describe("Replay: insurance fund at the start, quote units"),
    market,
    keeper: z
      .object({
        maxTicksPerStep: z.number().int().min(1).max(1_000).default(50),
        batchSize: z.number().int().min(1).max(200).default(20),
      })
      .default({ maxTicksPerStep: 50, batchSize: 20 }),
    whatIf: whatIf.optional(),
  })
  .refine((s) => s.mode !== "replay" || (s.price !== undefined && s.traders !== undefined), {
    message: "a replay scenario needs `price` and `traders`",
  })
  .refine((s) => s.mode !== "whatIf" || (s.whatIf !== undefined && (s.whatIf.book !== undefined || s.traders !== undefined)), {
    message: "a whatIf scenario needs `whatIf` and either `whatIf.book` or `traders`",
  });

export type Scenario = z.infer<typeof scenarioSchema> & { baseDir: string };
export type PriceSpec = z.infer<typeof priceSpec>;
export type TraderSpec = z.infer<typeof traders>;
export type MarketSpec = z.infer<typeof market>;
export type WhatIfSpec = z.infer<typeof whatIf>;

export const SCENARIO_DIR = resolve(import.meta.dirname, "scenarios");

/** A scenario by file path, or by name from backtest/scenarios/; one clear line if it is wrong. */
export function loadScenario(nameOrPath: string): Scenario {
  const path = nameOrPath.endsWith(".json") ? resolve(nameOrPath) : resolve(SCENARIO_DIR, `${nameOrPath}.json`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`cannot read scenario ${path}: ${(error as Error).message}`);
  }
  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`invalid scenario ${path}: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  return { ...parsed.data, baseDir: dirname(path) };
}

/** The JSON Schema of scenario files, as committed in backtest/scenario.schema.json. */
export const scenarioJsonSchema = () => z.toJSONSchema(scenarioSchema, { io: "input", unrepresentable: "any" });
