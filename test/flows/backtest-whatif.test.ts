// What-if ADL: every policy on a small hand-built book with values worked out by hand, the
// scenario files and their JSON schema, and the book CSV format.
import { expect } from "chai";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AdlSetting, type BookPosition, readBookCsv, writeBookCsv } from "../../backtest/book.ts";
import type { PolicyName } from "../../backtest/policies.ts";
import { SCENARIO_DIR, loadScenario, scenarioJsonSchema } from "../../backtest/scenario.ts";
import { whatIf } from "../../backtest/whatIf.ts";
import { generatedBook, runWhatIf } from "../../backtest/whatIfRunner.ts";

const WAD = 10n ** 18n;
const usd = (n: number) => BigInt(Math.round(n * 1e6));
const position = (id: number, sizeEth: number, marginUsd: number, entry: number): BookPosition => ({
  id: BigInt(id),
  account: `a${id}`,
  size: BigInt(sizeEth) * WAD,
  margin: usd(marginUsd),
  entryPrice: BigInt(entry) * WAD,
  fundingSnapshot: 0n,
});

// Shorts at $2,000: #1 profit 4,000 on 4,000 margin (return 1.0, 5x); #2 profit 200 on 100 (2.0, 20x);
// #3 profit 500 on 5,000 (0.1, 2x); #4 loses 200. #5 is a long, on the other side.
const book = [
  position(1, -10, 4_000, 2_400),
  position(2, -1, 100, 2_200),
  position(3, -5, 5_000, 2_100),
  position(4, -2, 1_000, 1_900),
  position(5, 3, 1_000, 2_000),
];
const setting: AdlSetting = {
  price: 2_000n * WAD,
  fundingIndex: 0n,
  valueDivisor: 10n ** 30n,
  payerIsLong: false,
  deficit: usd(1_000),
  debtPrice: 0n,
};

const outcome = (policy: PolicyName, s = setting) => whatIf(book, s).outcomes.find((o) => o.policy === policy)!;
const haircuts = (policy: PolicyName, s = setting) => Object.fromEntries(outcome(policy, s).hits.map((h) => [Number(h.id), h.haircut]));

describe("backtest what-if policies", () => {
  it("the queue takes the top-ranked profit in full, then exactly the rest from the next, with zero overshoot", () => {
    const o = outcome("queue");
    expect(o.hits.map((h) => [h.id, h.closedSize, h.haircut])).to.deep.equal([
      [2n, 1n * WAD, usd(200)],
      [1n, 2n * WAD, usd(800)],
    ]);
    expect(o.metrics.overshoot).to.equal(0n);
    expect(o.metrics.charged).to.equal(setting.deficit);
    expect(o.metrics.oiRemoved).to.equal(3n * WAD);
    expect(o.metrics.shareTakenMax).to.equal(1);
    expect(o.metrics.shareTakenMedian).to.equal(0.2);
    expect(Math.abs(o.metrics.gini - 5 / 9) < 1e-12).to.equal(true); // shares 0, 0.2, 1 across the three winners
    expect([o.metrics.leverageMedian, o.metrics.leverageMax]).to.deep.equal([5, 20]);
    expect(outcome("exactReturn").hits).to.deep.equal(o.hits);
    expect(outcome("profitTimesLeverage").hits).to.deep.equal(o.hits);
  });

  it("largest first closes the biggest position only", () => {
    expect(outcome("largestFirst").hits).to.deep.equal([
      { id: 1n, closedSize: (5n * WAD) / 2n, haircut: usd(1_000), fillPrice: 2_400n * WAD },
    ]);
  });

  it("fills at the bankruptcy price take at most its distance from the oracle per unit", () => {
    // Debt price $2,050: each closed unit gives up $50, so whole positions close and the side's 800 falls short by 200.
    const s = { ...setting, debtPrice: 2_050n * WAD };
    const o = outcome("queue", s);
    expect(o.hits.map((h) => [h.id, h.closedSize, h.haircut, h.fillPrice])).to.deep.equal([
      [2n, 1n * WAD, usd(50), 2_050n * WAD],
      [1n, 10n * WAD, usd(500), 2_050n * WAD],
      [3n, 5n * WAD, usd(250), 2_050n * WAD],
    ]);
    expect([o.metrics.overshoot, o.metrics.shortfall]).to.deep.equal([0n, usd(200)]);
    // The in-place policies are held to the same bound: #1 can give at most 10 x 50 = 500.
    expect(haircuts("cappedProRata", s)).to.deep.equal({ 1: usd(500), 2: usd(50), 3: usd(250) });
  });

  it("pro-rata takes the same share of every winner's profit, each share rounded up", () => {
    expect(haircuts("proRata")).to.deep.equal({ 1: 851_063_830n, 2: 42_553_192n, 3: 106_382_979n });
    expect(outcome("proRata").metrics.overshoot).to.equal(1n);
    expect(outcome("proRata").metrics.gini < 1e-6).to.equal(true); // one share for all, up to rounding
  });

  it("capped pro-rata fills every winner up to one common amount", () => {
    expect(haircuts("cappedProRata")).to.deep.equal({ 1: usd(400), 2: usd(200), 3: usd(400) });
    expect(outcome("cappedProRata").metrics.overshoot).to.equal(0n);
  });

  it("the level cap cuts the highest returns on margin down to one level", () => {
    // Level L = 3,200 / 4,100 of margin: #2 keeps 78.04878, #1 keeps 3,121.951219; #3 (0.1) pays nothing.
    expect(haircuts("levelCap")).to.deep.equal({ 1: 878_048_781n, 2: 121_951_220n });
    expect(outcome("levelCap").metrics.overshoot).to.equal(1n);
  });

  it("socialised loss charges the whole side by size, the loser too", () => {
    expect(haircuts("socialised")).to.deep.equal({ 1: 555_555_556n, 2: 55_555_556n, 3: 277_777_778n, 4: 111_111_112n });
    const m = outcome("socialised").metrics;
    expect([m.accountsHit, m.losersCharged, m.overshoot]).to.deep.equal([4, 1, 2n]);
  });
});

describe("backtest scenarios and books", () => {
  it("backtest/scenario.schema.json is the schema generated from the zod source", () => {
    const committed = JSON.parse(readFileSync(join(SCENARIO_DIR, "..", "scenario.schema.json"), "utf8"));
    expect(committed).to.deep.equal(JSON.parse(JSON.stringify(scenarioJsonSchema())));
  });

  it("every shipped scenario loads, and a bad one fails with its field named", () => {
    const names = readdirSync(SCENARIO_DIR).filter((f) => f.endsWith(".json"));
    expect(names).to.include.members(["flash-crash.json", "bleed-40.json", "squeeze.json", "skewed-gap.json"]);
    for (const name of names) expect(loadScenario(join(SCENARIO_DIR, name)).name).to.equal(name.replace(".json", ""));
    const dir = mkdtempSync(join(tmpdir(), "scenario-"));
    const bad = join(dir, "bad.json");
    writeFileSync(
      bad,
      JSON.stringify({ name: "bad", price: { kind: "bleed", start: 3000, steps: 10, stepSeconds: 60, drop: 2 }, traders: {} }),
    );
    expect(() => loadScenario(bad)).to.throw(/price\.drop/);
  });

  it("a book survives the CSV round trip exactly", () => {
    const scenario = loadScenario("whatif-skewed");
    const generated = generatedBook({ ...scenario, traders: { ...scenario.traders!, count: 200 } }, 3);
    const file = join(mkdtempSync(join(tmpdir(), "book-")), "book.csv");
    writeBookCsv(file, generated, 6);
    expect(readBookCsv(file, 6, 0n)).to.deep.equal(generated.map((p, i) => ({ ...p, id: BigInt(i + 1) })));
  });

  it("a what-if on a generated book covers the deficit exactly with the queue", () => {
    const scenario = loadScenario("whatif-skewed");
    const { result } = runWhatIf({ ...scenario, traders: { ...scenario.traders!, count: 2_000 } }, 1);
    const queue = result.outcomes.find((o) => o.policy === "queue")!.metrics;
    expect(queue.overshoot).to.equal(0n);
    expect(queue.charged + queue.shortfall).to.equal(result.setting.deficit);
    expect(result.outcomes.map((o) => o.policy)).to.have.length(8);
  });
});
