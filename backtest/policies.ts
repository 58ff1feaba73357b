// The ADL policies compared side by side. Each takes the payer side of one book and one deficit
// and says who pays how much. Money stays bigint throughout; floats only order candidates where
// the policy itself is defined in floats (the exchanges' profit% x leverage).
//
// Two mechanisms:
// - Ranking policies close positions in rank order with the contracts' fill rule (Deleverage.sol):
//   each unit closed gives up the distance from the oracle to the debt's bankruptcy price, at most
//   its whole profit; the last fill is sized (rounded up) so that the haircuts sum to the deficit.
//   "queue" ranks by the published bucketed score exactly as the contracts do (client/adl.ts).
// - Haircut policies take profit in place and close nothing: pro-rata by profit, the water-filling
//   cap, the level cap, and socialised by size (through the funding index, losers included). Each
//   rounds every account's share up, as a contract must to never fall short, so they can overshoot.
//   The first three take from an account at most what closing its whole position at the debt's
//   bankruptcy price would (its "claimable" profit, the ranking policies' limit too), so every
//   policy works within the same bound; socialised loss has no such bound, by design.
import { rankSide } from "../client/adl.ts";
import { WAD, divCeil, min } from "../client/math.ts";
import { type AdlSetting, type Candidate, xOf } from "./book.ts";

export interface Hit {
  id: bigint;
  /** Profit taken from the position, token atoms. */
  haircut: bigint;
  /** Size closed (18 decimals), 0 for in-place haircuts. */
  closedSize: bigint;
  /** The fill price, for ranking policies. */
  fillPrice?: bigint;
}

export const POLICIES = [
  "queue",
  "exactReturn",
  "profitTimesLeverage",
  "largestFirst",
  "proRata",
  "cappedProRata",
  "levelCap",
  "socialised",
] as const;
export type PolicyName = (typeof POLICIES)[number];

export const POLICY_LABELS: Record<PolicyName, string> = {
  queue: "protocol queue (bucketed score)",
  exactReturn: "exact return on margin",
  profitTimesLeverage: "profit% x leverage",
  largestFirst: "largest position first",
  proRata: "pro-rata by profit",
  cappedProRata: "capped pro-rata (water-filling)",
  levelCap: "level cap on return on margin",
  socialised: "socialised by size",
};

const byId = (a: Candidate, b: Candidate) => (a.position.id < b.position.id ? -1 : 1);

/** The haircut per unit of a run: the distance from the oracle to the bankruptcy price on the payer's losing side, 0 if none. */
function runPerUnit(s: AdlSetting): bigint {
  if (s.debtPrice === 0n) return 0n;
  if (s.payerIsLong) return s.debtPrice < s.price ? s.price - s.debtPrice : 0n;
  return s.debtPrice > s.price ? s.debtPrice - s.price : 0n;
}

/** What an in-place haircut may take from each winner: its profit, at most its size times the run's haircut per unit. */
function claimable(side: Candidate[], s: AdlSetting): { c: Candidate; claim: bigint }[] {
  const perUnit = runPerUnit(s);
  return side
    .filter((c) => c.profit > 0n)
    .map((c) => ({ c, claim: perUnit === 0n ? c.profit : min(c.profit, (c.absSize * perUnit) / s.valueDivisor) }))
    .filter(({ claim }) => claim > 0n);
}
const profitable = (side: Candidate[]) => side.filter((c) => c.unitProfit > 0n);

/** Fills in the given order with the contracts' rule, until the deficit is covered or `maxFills` are done. */
export function fillInOrder(order: Candidate[], s: AdlSetting, maxFills = Infinity): Hit[] {
  const hits: Hit[] = [];
  const run = runPerUnit(s);
  let debt = s.deficit;
  for (const c of order) {
    if (debt === 0n || hits.length >= maxFills) break;
    if (c.unitProfit <= 0n) break;
    const perUnit = run === 0n || run > c.unitProfit ? c.unitProfit : run;
    const closeSize = min(divCeil(debt * s.valueDivisor, perUnit), c.absSize);
    const haircut = min(debt, (closeSize * perUnit) / s.valueDivisor);
    debt -= haircut;
    hits.push({ id: c.position.id, haircut, closedSize: closeSize, fillPrice: s.payerIsLong ? s.price - perUnit : s.price + perUnit });
  }
  return hits;
}

/** The protocol's queue: the published score at X, ties to the lower id (AdlQueue), best first. */
export function queueOrder(side: Candidate[], s: AdlSetting): Candidate[] {
  const byPosition = new Map(side.map((c) => [c.position, c]));
  return rankSide(
    side.map((c) => c.position),
    xOf(s),
    s.valueDivisor,
  )
    .filter((r) => r.score > 0n)
    .map((r) => byPosition.get(r.position)!);
}

/** Exact return on margin, unitProfit * size / margin, compared by cross-multiplication. */
function exactReturnOrder(side: Candidate[]): Candidate[] {
  return profitable(side).sort((a, b) => {
    const lhs = a.unitProfit * a.absSize * b.position.margin;
    const rhs = b.unitProfit * b.absSize * a.position.margin;
    return lhs !== rhs ? (lhs > rhs ? -1 : 1) : byId(a, b);
  });
}

/** The centralised exchanges' ranking: profit / margin x notional / (margin + profit), at the mark. */
function profitTimesLeverageOrder(side: Candidate[]): Candidate[] {
  const score = (c: Candidate) => {
    const margin = Number(c.position.margin);
    const profit = Number(c.profit);
    return (profit / margin) * (Number(c.notional) / (margin + profit));
  };
  const scored = profitable(side).map((c) => ({ c, s: score(c) }));
  scored.sort((a, b) => (a.s !== b.s ? b.s - a.s : byId(a.c, b.c)));
  return scored.map(({ c }) => c);
}

function largestFirstOrder(side: Candidate[]): Candidate[] {
  return profitable(side).sort((a, b) => (a.absSize !== b.absSize ? (a.absSize > b.absSize ? -1 : 1) : byId(a, b)));
}

const inPlace = (c: Candidate, haircut: bigint): Hit => ({ id: c.position.id, haircut, closedSize: 0n });

/** Every winner pays the same share of its claimable profit: ratio rounded up, each share rounded up. */
function proRata(side: Candidate[], s: AdlSetting): Hit[] {
  const winners = claimable(side, s);
  const total = winners.reduce((sum, w) => sum + w.claim, 0n);
  if (total === 0n) return [];
  const ratio = s.deficit >= total ? WAD : divCeil(s.deficit * WAD, total);
  return winners.map(({ c, claim }) => inPlace(c, min(claim, divCeil(claim * ratio, WAD))));
}

/** Water-filling: every winner pays the same amount, capped at its claimable profit; the lowest such amount that covers the deficit. */
function cappedProRata(side: Candidate[], s: AdlSetting): Hit[] {
  const winners = claimable(side, s).sort((a, b) => (a.claim < b.claim ? -1 : a.claim > b.claim ? 1 : 0));
  let remaining = s.deficit;
  let cap = -1n; // -1: every winner pays all it can
  for (let i = 0; i < winners.length; i++) {
    const left = BigInt(winners.length - i);
    if (winners[i].claim * left >= remaining) {
      cap = divCeil(remaining, left);
      break;
    }
    remaining -= winners[i].claim;
  }
  return winners.map(({ c, claim }) => inPlace(c, cap < 0n ? claim : min(claim, cap)));
}

/**
 * Level cap: every winner's claimable return on margin (claim / margin) is cut down to one common
 * level L, the highest that covers the deficit; nobody below L pays. Each cut is rounded up.
 */
function levelCap(side: Candidate[], s: AdlSetting): Hit[] {
  const winners = claimable(side, s)
    .filter(({ c }) => c.position.margin > 0n)
    .sort((a, b) => {
      const lhs = a.claim * b.c.position.margin;
      const rhs = b.claim * a.c.position.margin;
      return lhs !== rhs ? (lhs > rhs ? -1 : 1) : byId(a.c, b.c);
    });
  let sumClaim = 0n;
  let sumMargin = 0n;
  for (let j = 0; j < winners.length; j++) {
    sumClaim += winners[j].claim;
    sumMargin += winners[j].c.position.margin;
    const excess = sumClaim - s.deficit; // L = excess / sumMargin
    const next = winners[j + 1];
    // Stop once the level is at or above the next winner's return: it pays nothing.
    if (excess >= 0n && (next === undefined || excess * next.c.position.margin >= next.claim * sumMargin)) {
      return winners.slice(0, j + 1).map(({ c, claim }) => inPlace(c, claim - (excess * c.position.margin) / sumMargin));
    }
  }
  return winners.map(({ c, claim }) => inPlace(c, claim)); // the whole side cannot cover it
}

/**
 * Socialised by size (Drift's way): the side's funding index moves by the deficit per unit of open
 * interest, rounded up, so every position pays in proportion to its size, losers too.
 */
function socialised(side: Candidate[], s: AdlSetting): Hit[] {
  const openInterest = side.reduce((sum, c) => sum + c.absSize, 0n);
  if (openInterest === 0n) return [];
  const perUnit = divCeil(s.deficit * s.valueDivisor, openInterest);
  return side.map((c) => inPlace(c, divCeil(c.absSize * perUnit, s.valueDivisor)));
}

export function runPolicy(policy: PolicyName, side: Candidate[], s: AdlSetting): Hit[] {
  switch (policy) {
    case "queue":
      return fillInOrder(queueOrder(side, s), s);
    case "exactReturn":
      return fillInOrder(exactReturnOrder(side), s);
    case "profitTimesLeverage":
      return fillInOrder(profitTimesLeverageOrder(side), s);
    case "largestFirst":
      return fillInOrder(largestFirstOrder(side), s);
    case "proRata":
      return proRata(side, s);
    case "cappedProRata":
      return cappedProRata(side, s);
    case "levelCap":
      return levelCap(side, s);
    case "socialised":
      return socialised(side, s);
  }
}
