// A small replay through the contracts and the real keeper (the ci-small scenario), its report's
// invariants, and its report.html opened in headless Chromium: the charts rendered and the numbers
// on the page are report.json's. The screenshot is kept in test-artifacts/ (gitignored).
import { expect } from "chai";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runReplay } from "../../backtest/replay/runner.ts";
import { type Report, replayReport } from "../../backtest/reportData.ts";
import { writeReport } from "../../backtest/report/write.ts";
import { loadScenario } from "../../backtest/scenario.ts";
import { CHROMIUM, launchChromium, openReport } from "../../backtest/report/browser.ts";

const ARTIFACTS = join(process.cwd(), "test-artifacts", "backtest-ci-small");

describe("backtest replay", function () {
  this.timeout(120_000);
  let report: Report;

  before(async () => {
    const scenario = loadScenario("ci-small");
    report = replayReport(scenario, scenario.seed, await runReplay(scenario, scenario.seed, () => {}));
    writeReport(report, ARTIFACTS);
  });

  it("stays solvent, and every ADL run hits exactly what the queue policy computes, with zero overshoot", () => {
    expect(report.invariants).to.deep.equal({
      solvent: true,
      queueOvershootZero: true,
      queueMatchesChain: true,
      runsChecked: report.invariants.runsChecked,
    });
    expect(report.invariants.runsChecked).to.be.greaterThan(0);
    expect(report.summary.bankruptLiquidations).to.be.greaterThan(0);
    expect(report.events.length).to.equal(report.summary.adlEvents);
    for (const e of report.events) {
      expect(e.queueMatchesChain).to.equal(true);
      const queue = e.policies.find((p) => p.policy === "queue")!;
      expect(queue.metrics.overshootAtoms).to.equal("0");
      // The inline fills are the first of the queue's hits: their haircuts add up to at most the deficit.
      const inline = e.onchainFills.reduce((s, f) => s + BigInt(f.haircutAtoms), 0n);
      expect(inline <= BigInt(e.deficitAtoms)).to.equal(true);
      expect(e.policies.map((p) => p.policy)).to.have.length(8);
    }
  });

  it("records every step of the path", () => {
    const series = report.series!;
    expect(series.price).to.have.length(report.summary.steps as number);
    expect(series.price[0]).to.equal(3000);
    expect(Math.min(...series.price)).to.be.lessThan(2700); // the 12% gap
    expect(report.markers!.fills.length).to.equal(report.summary.adlFills);
  });

  it("report.html renders its charts offline in headless Chromium and shows report.json's numbers", async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).to.equal(true);
    const browser = await launchChromium();
    try {
      const requests: string[] = [];
      const errors: string[] = [];
      const page = await openReport(browser, join(ARTIFACTS, "report.html"), 1000, (p) => {
        p.on("request", (r) => requests.push(r.url()));
        p.on("pageerror", (e) => errors.push(e.message));
      });
      expect(errors).to.deep.equal([]);
      expect(requests.filter((u) => !u.startsWith("file:"))).to.deep.equal([]); // self-contained

      // Every chart is a Chart.js chart with data, and its canvas has drawn pixels.
      const charts = await page.evaluate(() =>
        [...document.querySelectorAll("canvas")].map((canvas) => {
          const chart = (
            window as unknown as { Chart: { getChart(c: HTMLCanvasElement): { data: { datasets: { data: unknown[] }[] } } | undefined } }
          ).Chart.getChart(canvas);
          const pixels = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
          let drawn = 0;
          for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) drawn++;
          return { id: canvas.id, points: chart ? chart.data.datasets.reduce((n, d) => n + d.data.length, 0) : -1, drawn };
        }),
      );
      const payable = report.events.filter((e) => e.policies.some((p) => p.topHaircuts.length > 0));
      const expectedCharts = 4 + Math.min(12, payable.length);
      expect(charts.map((c) => c.id)).to.include.members(["chart-price", "chart-funds", "chart-oi", "chart-keeper"]);
      expect(charts).to.have.length(expectedCharts);
      for (const c of charts) {
        expect(c.points, c.id).to.be.greaterThan(0);
        expect(c.drawn, c.id).to.be.greaterThan(1000);
      }

      // The summary table and facts on the page are report.json's, cell for cell.
      const json = JSON.parse(readFileSync(join(ARTIFACTS, "report.json"), "utf8")) as Report;
      const rows = await page.$$eval("#summary-table tr", (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
      expect(rows).to.deep.equal([json.summaryTable.columns, ...json.summaryTable.rows]);
      const facts = await page.$$eval("#summary dd", (dds) => dds.map((dd) => [dd.getAttribute("data-key"), dd.textContent]));
      expect(facts).to.deep.equal(Object.entries(json.summary).map(([k, v]) => [k, String(v)]));
      await page.screenshot({ path: join(ARTIFACTS, "report.png"), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});
