// The keeper's risk engine: every indexed position's health at the current price, in exact bigint
// arithmetic (client/math.ts mirrors the contracts), so one tick can scan 100,000 positions in
// memory and send only the liquidatable ones to the chain, which re-checks them exactly.
import * as math from "../client/math.ts";

export interface TrackedPosition {
  id: bigint;
  marketId: number;
  size: bigint;
  margin: bigint;
  entryPrice: bigint;
  fundingSnapshot: bigint;
  /** Float copies for a fast pre-filter, made once when the position is indexed (see track()). */
  approx: { size: number; margin: number; k: number };
}

/** Attaches the float copies the pre-filter reads. */
export function track(p: Omit<TrackedPosition, "approx">): TrackedPosition {
  return { ...p, approx: { size: Number(p.size) / 1e18, margin: Number(p.margin), k: Number(p.entryPrice - p.fundingSnapshot) / 1e18 } };
}

/** Positions whose float estimate is this far above maintenance are skipped without exact math. */
const PREFILTER_SLACK = 1.02;

export interface MarketSnapshot {
  price: bigint; // WAD
  fundingIndex: bigint; // projected to now
  tiers: math.RefTier[];
  valueDivisor: bigint;
}

export interface AtRisk {
  id: bigint;
  equity: bigint;
  maintenanceMargin: bigint;
}

/**
 * Positions below maintenance margin, most underwater first (lowest equity / maintenance).
 * The ordering compares exact fractions by cross-multiplication: no floating point decides.
 */
export function scanAtRisk(positions: Iterable<TrackedPosition>, markets: Map<number, MarketSnapshot>): AtRisk[] {
  const due: AtRisk[] = [];
  const floats = new Map([...markets].map(([id, m]) => [id, floatView(m)]));
  for (const p of positions) {
    const m = markets.get(p.marketId);
    if (!m || p.size === 0n) continue;
    // Floats only pre-sort: a position clearly above maintenance is skipped; the rest, and only
    // they, get the exact bigint check that decides.
    const f = floats.get(p.marketId)!;
    const a = p.approx;
    const approxEquity = a.margin + a.size * (f.x - a.k) * f.atomsPerUnit;
    const approxMaintenance = Math.abs(a.size) * f.price * f.atomsPerUnit * f.maxMaintenanceRate;
    if (approxEquity > approxMaintenance * PREFILTER_SLACK + 2) continue;
    const equity = math.equity(p, m.price, m.fundingIndex, m.valueDivisor);
    const maintenanceMargin = math.maintenanceMargin(m.tiers, p.size, m.price, m.valueDivisor);
    if (equity < maintenanceMargin) due.push({ id: p.id, equity, maintenanceMargin });
  }
  return due.sort((a, b) => {
    const left = a.equity * b.maintenanceMargin;
    const right = b.equity * a.maintenanceMargin;
    return left < right ? -1 : left > right ? 1 : a.id < b.id ? -1 : 1;
  });
}

/** The market in floats, with the strictest maintenance rate so the pre-filter never skips too much. */
function floatView(m: MarketSnapshot) {
  return {
    price: Number(m.price) / 1e18,
    x: Number(m.price - m.fundingIndex) / 1e18,
    // Token atoms per (whole base unit x whole quote unit): 1e36 / valueDivisor.
    atomsPerUnit: 1e36 / Number(m.valueDivisor),
    maxMaintenanceRate: Math.max(...m.tiers.map((t) => Number(t.maintenanceMarginRate) / 1e18)),
  };
}
