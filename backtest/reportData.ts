// What a run produces (ReplayData, or a what-if) and the report built from it: plain JSON (money
// as exact atom strings beside display floats), the summary table shown on the terminal and in
// report.html, the invariants CI checks, and the series and markers the charts draw.
import type { PricePath } from "./pricePaths.ts";
import { POLICY_LABELS } from "./policies.ts";
import type { PolicyMetrics } from "./metrics.ts";
import type { FillRecord, LiquidationRecord, RunRecord } from "./replay/tracker.ts";
import type { Scenario } from "./scenario.ts";
import type { WhatIfResult } from "./whatIf.ts";

export interface StepRecord {
  step: number;
  time: number;
  price: bigint;
  longOpenInterest: bigint;
  shortOpenInterest: bigint;
  insuranceFund: bigint;
  vaultCash: bigint;
  vaultEquity: bigint;
  longAdlDebt: bigint;
  shortAdlDebt: bigint;
  partialLiquidations: number;
  fullLiquidations: number;
  bankruptLiquidations: number;
  adlFills: number;
  gasUsed: bigint;
  keeperTicks: number;
  keeperBlocks: number;
  openPositions: number;
}

export interface AdlEvent {
  step: number;
  price: bigint;
  bankruptId: bigint;
  run: RunRecord;
  result: WhatIfResult;
  queueMatchesChain: boolean;
}

export interface ReplayData {
  traders: number;
  opened: number;
  rejected: number;
  path: PricePath;
  steps: StepRecord[];
  liquidations: LiquidationRecord[];
  fills: FillRecord[];
  runs: { step: number; kind: string; fills: number; matches: boolean }[];
  events: AdlEvent[];
  solvency: { held: bigint; owed: bigint; solvent: boolean };
  durationSeconds: number;
  valueDivisor: bigint;
  tokenDecimals: number;
}

export interface ReportEvent {
  step: number;
  time: number;
  price: number;
  payer: "long" | "short";
  deficit: number;
  deficitAtoms: string;
  debtPrice: number;
  bankruptId: string | null;
  payerPositions: number;
  winners: number;
  sideProfit: number;
  queueMatchesChain: boolean | null;
  onchainFills: { id: string; closedSize: number; fillPrice: number; haircut: number; haircutAtoms: string }[];
  policies: { policy: string; label: string; metrics: Record<string, number | string>; topHaircuts: number[] }[];
}

export interface Table {
  title: string;
  columns: string[];
  rows: string[][];
}

export interface Report {
  scenario: string;
  description: string;
  mode: "replay" | "whatIf";
  seed: number;
  summary: Record<string, string | number | boolean>;
  summaryTable: Table;
  invariants: { solvent: boolean | null; queueOvershootZero: boolean; queueMatchesChain: boolean | null; runsChecked: number };
  series: Record<string, number[]> | null;
  markers: {
    liquidations: { time: number; price: number; kind: string }[];
    fills: { time: number; price: number; haircut: number }[];
  } | null;
  events: ReportEvent[];
}

const WAD_FLOAT = 1e18;
const wadToNumber = (v: bigint) => Number(v) / WAD_FLOAT;
/** Top haircuts kept per policy and event, for the distribution chart. */
const TOP_HAIRCUTS = 20;

function reportEvent(result: WhatIfResult, decimals: number, extra: Partial<ReportEvent> & { step: number; time: number }): ReportEvent {
  const s = result.setting;
  const money = (atoms: bigint) => Number(atoms) / 10 ** decimals;
  return {
    price: wadToNumber(s.price),
    payer: s.payerIsLong ? "long" : "short",
    deficit: money(s.deficit),
    deficitAtoms: s.deficit.toString(),
    debtPrice: wadToNumber(s.debtPrice),
    bankruptId: null,
    payerPositions: result.payerPositions,
    winners: result.winners,
    sideProfit: money(result.sideProfit),
    queueMatchesChain: null,
    onchainFills: [],
    ...extra,
    policies: result.outcomes.map((o) => ({
      policy: o.policy,
      label: POLICY_LABELS[o.policy],
      metrics: metricsJson(o.metrics, decimals),
      topHaircuts: o.hits
        .map((h) => h.haircut)
        .sort((a, b) => (a > b ? -1 : a < b ? 1 : 0))
        .slice(0, TOP_HAIRCUTS)
        .map(money),
    })),
  };
}

function metricsJson(m: PolicyMetrics, decimals: number): Record<string, number | string> {
  return {
    accountsHit: m.accountsHit,
    losersCharged: m.losersCharged,
    shareTakenMax: m.shareTakenMax,
    shareTakenP99: m.shareTakenP99,
    shareTakenMedian: m.shareTakenMedian,
    gini: m.gini,
    top10Share: m.top10Share,
    leverageMedian: m.leverageMedian,
    leverageMax: m.leverageMax,
    oiRemoved: Number(m.oiRemoved) / 1e18,
    charged: Number(m.charged) / 10 ** decimals,
    chargedAtoms: m.charged.toString(),
    overshootAtoms: m.overshoot.toString(),
    shortfallAtoms: m.shortfall.toString(),
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const num = (x: number, digits = 2) => x.toFixed(digits);

/** The policies' metrics on one event, one row per policy, as displayed everywhere. */
export function policyTable(event: ReportEvent, title: string): Table {
  return {
    title,
    columns: [
      "policy",
      "accounts hit",
      "profit taken max",
      "p99",
      "median",
      "Gini",
      "top-10 share",
      "lev. median",
      "lev. max",
      "OI removed",
      "overshoot (atoms)",
    ],
    rows: event.policies.map(({ label, metrics: m }) => [
      label,
      String(m.accountsHit) + (Number(m.losersCharged) > 0 ? ` (${m.losersCharged} losing)` : ""),
      pct(m.shareTakenMax as number),
      pct(m.shareTakenP99 as number),
      pct(m.shareTakenMedian as number),
      num(m.gini as number, 3),
      pct(m.top10Share as number),
      `${num(m.leverageMedian as number, 1)}x`,
      `${num(m.leverageMax as number, 1)}x`,
      num(m.oiRemoved as number, 3),
      String(m.overshootAtoms),
    ]),
  };
}

const queueOvershootZero = (events: ReportEvent[]) =>
  events.every((e) => e.policies.find((p) => p.policy === "queue")?.metrics.overshootAtoms === "0");

export function replayReport(scenario: Scenario, seed: number, data: ReplayData): Report {
  const d = data.tokenDecimals;
  const money = (atoms: bigint) => Number(atoms) / 10 ** d;
  const timeOf = (step: number) => data.path.times[step];
  const events = data.events.map((e) =>
    reportEvent(e.result, d, {
      step: e.step,
      time: timeOf(e.step),
      bankruptId: e.bankruptId.toString(),
      queueMatchesChain: e.queueMatchesChain,
      onchainFills: e.run.fills.map((f) => ({
        id: f.id.toString(),
        closedSize: Number(f.closedSize) / 1e18,
        fillPrice: wadToNumber(f.fillPrice),
        haircut: money(f.haircut),
        haircutAtoms: f.haircut.toString(),
      })),
    }),
  );
  const largest = [...events].sort((a, b) => b.deficit - a.deficit)[0];
  const count = (kind: string) => data.liquidations.filter((l) => l.kind === kind).length;
  const first = data.steps[0];
  const last = data.steps.at(-1)!;
  return {
    scenario: scenario.name,
    description: scenario.description,
    mode: "replay",
    seed,
    summary: {
      traders: data.traders,
      opened: data.opened,
      rejected: data.rejected,
      steps: data.steps.length,
      partialLiquidations: count("partial"),
      fullLiquidations: count("full"),
      bankruptLiquidations: count("bankrupt"),
      adlFills: data.fills.length,
      adlEvents: events.length,
      deficitToAdl: money(data.events.reduce((s, e) => s + (e.run.newDeficit ?? 0n), 0n)),
      insuranceStart: money(first.insuranceFund),
      insuranceEnd: money(last.insuranceFund),
      vaultEquityStart: money(first.vaultEquity),
      vaultEquityEnd: money(last.vaultEquity),
      maxKeeperBlocksPerStep: Math.max(...data.steps.map((s) => s.keeperBlocks)),
      keeperGasUsed: data.steps.reduce((s, x) => s + Number(x.gasUsed), 0),
      durationSeconds: Math.round(data.durationSeconds * 10) / 10,
    },
    summaryTable: largest
      ? policyTable(largest, `Largest ADL event: step ${largest.step}, deficit ${largest.deficit.toFixed(2)} owed by the ${largest.payer}s`)
      : { title: "No ADL event in this run", columns: [], rows: [] },
    invariants: {
      solvent: data.solvency.solvent,
      queueOvershootZero: queueOvershootZero(events),
      queueMatchesChain: data.runs.every((r) => r.matches),
      runsChecked: data.runs.length,
    },
    series: {
      time: data.steps.map((s) => s.time),
      price: data.steps.map((s) => wadToNumber(s.price)),
      longOpenInterest: data.steps.map((s) => Number(s.longOpenInterest) / 1e18),
      shortOpenInterest: data.steps.map((s) => Number(s.shortOpenInterest) / 1e18),
      insuranceFund: data.steps.map((s) => money(s.insuranceFund)),
      vaultEquity: data.steps.map((s) => money(s.vaultEquity)),
      longAdlDebt: data.steps.map((s) => money(s.longAdlDebt)),
      shortAdlDebt: data.steps.map((s) => money(s.shortAdlDebt)),
      keeperBlocks: data.steps.map((s) => s.keeperBlocks),
      gasUsed: data.steps.map((s) => Number(s.gasUsed)),
    },
    markers: {
      liquidations: data.liquidations.map((l) => ({ time: timeOf(l.step), price: wadToNumber(data.steps[l.step].price), kind: l.kind })),
      fills: data.fills.map((f) => ({ time: timeOf(f.step), price: wadToNumber(f.fillPrice), haircut: money(f.haircut) })),
    },
    events,
  };
}

export function whatIfReport(scenario: Scenario, seed: number, result: WhatIfResult, decimals: number, durationSeconds: number): Report {
  const event = reportEvent(result, decimals, { step: 0, time: 0 });
  return {
    scenario: scenario.name,
    description: scenario.description,
    mode: "whatIf",
    seed,
    summary: {
      positions: result.payerPositions,
      winners: result.winners,
      deficit: event.deficit,
      sideProfit: event.sideProfit,
      durationSeconds: Math.round(durationSeconds * 100) / 100,
    },
    summaryTable: policyTable(event, `Deficit ${event.deficit.toFixed(2)} owed by the ${event.payer}s (${result.winners} winners)`),
    invariants: { solvent: null, queueOvershootZero: queueOvershootZero([event]), queueMatchesChain: null, runsChecked: 0 },
    series: null,
    markers: null,
    events: [event],
  };
}
