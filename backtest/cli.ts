// npm run backtest -- <scenario> [--seed N] [--out DIR]
// Runs a scenario (a replay on the embedded chain, or a what-if on a book), prints progress and
// the policies' summary table, and writes report.json, report.html and CSVs to DIR.
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { formatTable, writeReport } from "./report/write.ts";
import { type Report, whatIfReport } from "./reportData.ts";
import { loadScenario, scenarioJsonSchema } from "./scenario.ts";
import { WHAT_IF_DECIMALS, runWhatIf } from "./whatIfRunner.ts";

const integer = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("expected a non-negative integer");
  return n;
};

const program = new Command()
  .name("backtest")
  .description("Backtest the ADL policy: replay a scenario through the contracts and keeper, or run a what-if on a book")
  .argument("[scenario]", "a name from backtest/scenarios/ or a path to a scenario JSON file")
  .option("--seed <n>", "random seed (default: the scenario's)", integer)
  .option("--out <dir>", "report folder (default: backtest-out/<scenario>-<seed>/)")
  .option("--write-schema", "write backtest/scenario.schema.json from the zod schema and exit")
  .action(async (name: string | undefined, opts: { seed?: number; out?: string; writeSchema?: boolean }) => {
    if (opts.writeSchema) {
      writeFileSync(resolve(import.meta.dirname, "scenario.schema.json"), JSON.stringify(scenarioJsonSchema(), null, 2) + "\n");
      return;
    }
    if (!name) throw new Error("missing scenario: give a name from backtest/scenarios/ (e.g. flash-crash) or a path");
    const scenario = loadScenario(name);
    const seed = opts.seed ?? scenario.seed;
    const out = resolve(opts.out ?? `backtest-out/${scenario.name}-${seed}`);
    const log = (message: string) => console.error(`[${scenario.name}] ${message}`);
    let report: Report;
    if (scenario.mode === "whatIf") {
      const started = Date.now();
      const { result } = runWhatIf(scenario, seed);
      report = whatIfReport(scenario, seed, result, WHAT_IF_DECIMALS, (Date.now() - started) / 1000);
    } else {
      // The chain is loaded only for replays: a what-if needs no Hardhat.
      const { runReplay } = await import("./replay/runner.ts");
      const { replayReport } = await import("./reportData.ts");
      report = replayReport(scenario, seed, await runReplay(scenario, seed, log));
    }
    writeReport(report, out);
    console.log(formatTable(report.summaryTable));
    console.log(
      Object.entries(report.summary)
        .map(([k, v]) => `${k}: ${v}`)
        .join(", "),
    );
    console.log(`invariants: ${JSON.stringify(report.invariants)}`);
    console.log(`report: ${out}/report.html`);
    const bad =
      report.invariants.solvent === false || !report.invariants.queueOvershootZero || report.invariants.queueMatchesChain === false;
    if (bad) {
      console.error("backtest: an invariant failed (see above)");
      process.exitCode = 1;
    }
  });

program.parseAsync().catch((error: Error) => {
  console.error(`backtest: ${error.message}`);
  process.exit(1);
});
