// What-if ADL on one book: every policy on the same payer side and the same deficit, with the
// haircut each account pays and the metrics. No chain; the contracts' own bigint math.
import { type AdlSetting, type BookPosition, type Candidate, payerSide } from "./book.ts";
import { type PolicyMetrics, measure } from "./metrics.ts";
import { type Hit, POLICIES, type PolicyName, runPolicy } from "./policies.ts";

export interface PolicyOutcome {
  policy: PolicyName;
  hits: Hit[];
  metrics: PolicyMetrics;
}

export interface WhatIfResult {
  setting: AdlSetting;
  /** Positions on the payer side and how many of them are in profit. */
  payerPositions: number;
  winners: number;
  /** The payer side's total profit, token atoms. */
  sideProfit: bigint;
  outcomes: PolicyOutcome[];
}

export function whatIfOnSide(side: Candidate[], setting: AdlSetting, policies: readonly PolicyName[] = POLICIES): WhatIfResult {
  const winners = side.filter((c) => c.profit > 0n);
  return {
    setting,
    payerPositions: side.length,
    winners: winners.length,
    sideProfit: winners.reduce((s, c) => s + c.profit, 0n),
    outcomes: policies.map((policy) => {
      const hits = runPolicy(policy, side, setting);
      return { policy, hits, metrics: measure(side, setting, hits) };
    }),
  };
}

export const whatIf = (book: BookPosition[], setting: AdlSetting, policies?: readonly PolicyName[]) =>
  whatIfOnSide(payerSide(book, setting), setting, policies);
