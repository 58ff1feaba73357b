// The demo's report: what each price step did, what the run showed, and the solvency check, as
// JSON (every amount in dollars) and as the readable summary printed at the end of `npm start`.
import { printTable } from "../lib/format.ts";

export interface StepReport {
  label: string;
  priceFrom: number;
  priceTo: number;
  keeperTicks: number;
  blocks: number;
  liquidations: { partial: number; full: number; bankrupt: number; keeperRewardsUsd: number };
  insuranceDrawnUsd: number;
  deficitToAdlUsd: number;
  borneByVaultUsd: number;
  adl: {
    bankruptcyFills: number;
    poolProtectionFills: number;
    haircutsUsd: number;
    /** Profit realised by the positions the pool protection closed, at the oracle price. */
    poolProtectionPaidUsd: number;
    rankCheckedTransactions: number;
    rankViolations: { transactionHash: string; filled: string[]; expected: string[] }[];
  };
  after: {
    longPnlFactorPct: number;
    shortPnlFactorPct: number;
    maxPnlFactorPct: number;
    adlDebtUsd: number;
    liquidatable: number;
    long: number;
    short: number;
  };
}

export interface DemoReport {
  seed: number;
  scenario: string;
  description: string;
  crowd: { longs: number; shorts: number; byLeverage: Record<string, number>; openInterestEth: { long: number; short: number } };
  orders: { requested: number; executed: number; executionFeesUsd: number };
  steps: StepReport[];
  insuranceUsd: { before: number; after: number };
  vaultAssetsUsd: { before: number; after: number };
  keeperEarnedUsd: number;
  solvency: { heldUsd: number; owedUsd: number; solvent: boolean };
  /** Each behaviour the demo exists to show, and whether this run showed it. */
  shown: Record<
    "partialLiquidation" | "fullLiquidation" | "bankruptLiquidation" | "insuranceDraw" | "adlInRankOrder" | "poolProtectionAdl",
    boolean
  >;
  failures: string[];
  seconds: number;
}

const usd = (n: number) => `$${n.toLocaleString("en-US", { maximumFractionDigits: 0 })}`;

export function printReport(report: DemoReport, print: (line: string) => void = console.log) {
  print(`\n=== Demo report: scenario "${report.scenario}", seed ${report.seed} (${report.seconds.toFixed(1)} s) ===`);
  print(report.description);
  const { crowd } = report;
  print(
    `Crowd: ${crowd.longs} longs (${crowd.openInterestEth.long.toFixed(1)} ETH) and ${crowd.shorts} shorts ` +
      `(${crowd.openInterestEth.short.toFixed(1)} ETH); leverage ${Object.entries(crowd.byLeverage)
        .map(([band, n]) => `${band}: ${n}`)
        .join(", ")}`,
  );
  print(
    `Orders: ${report.orders.executed} of ${report.orders.requested} executed by the keeper (${usd(report.orders.executionFeesUsd)} in execution fees)\n`,
  );
  printTable(
    report.steps.map((s) => ({
      step: s.label,
      price: `${s.priceFrom} -> ${s.priceTo}`,
      ticks: s.keeperTicks,
      blocks: s.blocks,
      "partial/full/bankrupt": `${s.liquidations.partial}/${s.liquidations.full}/${s.liquidations.bankrupt}`,
      "insurance drawn": usd(s.insuranceDrawnUsd),
      "deficit to ADL": usd(s.deficitToAdlUsd),
      "ADL fills (debt/pool)": `${s.adl.bankruptcyFills}/${s.adl.poolProtectionFills}`,
      "in rank order": `${s.adl.rankCheckedTransactions - s.adl.rankViolations.length}/${s.adl.rankCheckedTransactions} txs`,
      "open L/S": `${s.after.long}/${s.after.short}`,
      "pnl factor L/S": `${s.after.longPnlFactorPct.toFixed(1)}%/${s.after.shortPnlFactorPct.toFixed(1)}%`,
    })),
    print,
  );
  print(`\nInsurance fund: ${usd(report.insuranceUsd.before)} -> ${usd(report.insuranceUsd.after)}`);
  print(`Vault assets: ${usd(report.vaultAssetsUsd.before)} -> ${usd(report.vaultAssetsUsd.after)}`);
  print(`Keeper earned (execution fees and liquidation rewards): ${usd(report.keeperEarnedUsd)}`);
  print(
    `Shown: ${Object.entries(report.shown)
      .map(([what, yes]) => `${what} ${yes ? "yes" : "NO"}`)
      .join(", ")}`,
  );
  const { solvency } = report;
  print(`Solvency: engine holds ${usd(solvency.heldUsd)}, owes ${usd(solvency.owedUsd)} -> ${solvency.solvent ? "SOLVENT" : "INSOLVENT"}`);
  for (const failure of report.failures) print(`Demo check failed: ${failure}`);
}
