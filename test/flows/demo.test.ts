// The demo behind `npm start`: one run of the default scenario must show every behaviour it
// promises, with every ADL fill the brute-force top and the engine solvent; its checks must be able
// to fail; and bad options get a clear error.
import assert from "node:assert/strict";
import { expect } from "chai";
import { network } from "hardhat";
import { auditRankOrder } from "../../scripts/demo/adlAudit.ts";
import { population } from "../../scripts/demo/population.ts";
import type { DemoReport } from "../../scripts/demo/report.ts";
import { runDemo } from "../../scripts/demo/run.ts";

describe("demo (npm start)", function () {
  this.timeout(600_000);
  let report: DemoReport;
  let phases: string[];

  before(async () => {
    phases = [];
    const connection = await network.create();
    report = await runDemo(connection, { onPhase: async (phase) => void phases.push(phase) });
  });

  it("opens at least 200 positions on both sides through orders the keeper executes", () => {
    expect(report.crowd.longs + report.crowd.shorts).to.be.at.least(200);
    expect(report.crowd.longs).to.be.greaterThan(90);
    expect(report.crowd.shorts).to.be.greaterThan(90);
    expect(report.orders.executed).to.equal(report.orders.requested);
    expect(Object.values(report.crowd.byLeverage).every((n) => n > 20)).to.equal(true);
  });

  it("shows partial, full and bankrupt liquidations, insurance draws, ranked ADL and pool protection", () => {
    expect(report.shown).to.deep.equal({
      partialLiquidation: true,
      fullLiquidation: true,
      bankruptLiquidation: true,
      insuranceDraw: true,
      adlInRankOrder: true,
      poolProtectionAdl: true,
    });
    expect(report.failures).to.deep.equal([]);
    expect(phases).to.deep.equal(["opened", "crashed", "settled"]);
  });

  it("checks every ADL fill transaction against the brute-force ranking and ends settled and solvent", () => {
    const checked = report.steps.reduce((n, s) => n + s.adl.rankCheckedTransactions, 0);
    expect(checked).to.be.greaterThan(3);
    for (const step of report.steps) {
      expect(step.adl.rankViolations, step.label).to.deep.equal([]);
      expect(step.after.liquidatable, step.label).to.equal(0);
      expect(step.after.adlDebtUsd, step.label).to.equal(0);
      expect(step.after.longPnlFactorPct).to.be.at.most(step.after.maxPnlFactorPct);
      expect(step.after.shortPnlFactorPct).to.be.at.most(step.after.maxPnlFactorPct);
      // Bankrupt positions' deficits beyond the insurance fund all went to ADL, none to the vault.
      expect(step.borneByVaultUsd).to.equal(0);
    }
    expect(report.solvency.solvent).to.equal(true);
    expect(report.solvency.heldUsd).to.be.at.least(report.solvency.owedUsd);
  });

  it("finds fills out of rank order (the audit can fail)", async () => {
    const fill = { isLong: false, blockNumber: 1, transactionHash: "0x01", closedSize: 1n, haircut: 1n, realisedPnl: 0n };
    const fakeEngine = {
      valueDivisor: async () => 10n ** 18n,
      position: async (id: bigint) => ({
        size: -(10n ** 18n),
        margin: id === 1n ? 100n * 10n ** 6n : 1_000n * 10n ** 6n,
        entryPrice: 3000n * 10n ** 18n,
        fundingSnapshot: 0n,
      }),
      marketState: async () => ({ fundingIndex: 0n }),
    };
    const fakeOracle = { price: async () => 2500n * 10n ** 18n };
    // Position 1 is the more leveraged short, so it ranks first: filling 2 before 1 is a violation.
    const audit = await auditRankOrder(
      fakeEngine as never,
      fakeOracle as never,
      0,
      [1n, 2n],
      [
        { ...fill, positionId: 2n },
        { ...fill, positionId: 1n },
      ],
    );
    expect(audit.violations).to.deep.equal([{ transactionHash: "0x01", filled: ["2", "1"], expected: ["1", "2"] }]);
    const inOrder = await auditRankOrder(fakeEngine as never, fakeOracle as never, 0, [1n, 2n], [{ ...fill, positionId: 1n }]);
    expect(inOrder.violations).to.deep.equal([]);
  });

  it("draws the same crowd for the same seed and a different one for another", () => {
    expect(population(240, 5)).to.deep.equal(population(240, 5));
    expect(population(240, 5)).to.not.deep.equal(population(240, 6));
  });

  it("refuses an unknown scenario and a crowd size out of range, naming the choices", async () => {
    const connection = await network.create();
    await assert.rejects(runDemo(connection, { scenario: "meltup" }), {
      message: 'unknown scenario "meltup": choose one of crash, squeeze',
    });
    await assert.rejects(runDemo(connection, { positions: 1 }), { message: "positions must be an integer from 2 to 2000, got 1" });
  });
});
