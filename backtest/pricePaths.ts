// Price paths a replay moves the oracle along: generated (GBM with jumps, a flash crash and
// rebound, a slow bleed, a squeeze) or read from a user's CSV of `timestamp,price`.
import { readFileSync } from "node:fs";
import type { PriceSpec } from "./scenario.ts";
import { Rng } from "./random.ts";

export interface PricePath {
  /** Seconds since the start of the path, one per step, starting at 0. */
  times: number[];
  /** Price per step in quote units (e.g. USD per ETH), rounded to the feed's 8 decimals. */
  prices: number[];
}

const SECONDS_PER_YEAR = 365 * 24 * 3600;
const round8 = (p: number) => Math.round(p * 1e8) / 1e8;

/** One log-return of Brownian noise over `dt` seconds at an annual volatility. */
const noise = (rng: Rng, volatility: number, dt: number) => volatility * Math.sqrt(dt / SECONDS_PER_YEAR) * rng.normal();

export function generatePath(spec: PriceSpec, rng: Rng, baseDir: string): PricePath {
  if (spec.kind === "csv") return readCsvPath(spec.file, baseDir);
  const dt = spec.stepSeconds;
  const logPrices = [Math.log(spec.start)];
  // The deterministic drift of each step, in log space, and where it lands.
  const trend = (step: number): number => {
    switch (spec.kind) {
      case "gbm":
        return (spec.drift - spec.volatility ** 2 / 2) * (dt / SECONDS_PER_YEAR);
      case "flashCrash": {
        const { crashAt, crashSteps, drop, reboundSteps, reboundShare } = spec;
        const fall = Math.log(1 - drop);
        if (step >= crashAt && step < crashAt + crashSteps) return fall / crashSteps;
        const back = -fall * reboundShare;
        if (step >= crashAt + crashSteps && step < crashAt + crashSteps + reboundSteps) return back / reboundSteps;
        return 0;
      }
      case "bleed":
        return Math.log(1 - spec.drop) / (spec.steps - 1);
      case "squeeze": {
        const { squeezeAt, squeezeSteps, rise } = spec;
        return step >= squeezeAt && step < squeezeAt + squeezeSteps ? Math.log(1 + rise) / squeezeSteps : 0;
      }
    }
  };
  for (let step = 1; step < spec.steps; step++) {
    let r = trend(step) + noise(rng, spec.volatility, dt);
    if (spec.kind === "gbm" && spec.jumpsPerDay > 0) {
      const jumps = rng.poisson((spec.jumpsPerDay * dt) / 86_400);
      for (let j = 0; j < jumps; j++) r += spec.jumpMean + spec.jumpStd * rng.normal();
    }
    logPrices.push(logPrices[step - 1] + r);
  }
  return {
    times: logPrices.map((_, i) => i * dt),
    prices: logPrices.map((lp) => round8(Math.exp(lp))),
  };
}

/** `timestamp,price` rows (a header line is allowed), timestamps in seconds, ascending. */
export function readCsvPath(file: string, baseDir: string): PricePath {
  const path = file.startsWith("/") ? file : `${baseDir}/${file}`;
  const rows = readFileSync(path, "utf8")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !/^[a-z]/i.test(line));
  if (rows.length < 2) throw new Error(`${path}: a price path needs at least two rows of timestamp,price`);
  const parsed = rows.map((row, i) => {
    const [t, p] = row.split(",").map(Number);
    if (!Number.isFinite(t) || !Number.isFinite(p) || p <= 0) throw new Error(`${path}:${i + 1}: expected timestamp,price, got "${row}"`);
    return { t, p };
  });
  for (let i = 1; i < parsed.length; i++) {
    if (parsed[i].t <= parsed[i - 1].t) throw new Error(`${path}:${i + 1}: timestamps must increase`);
  }
  return { times: parsed.map(({ t }) => t - parsed[0].t), prices: parsed.map(({ p }) => round8(p)) };
}
