// Renders the tables of BENCHMARKS.md from bench/results.json. Each table sits between a pair of
// markers, `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`, and is rewritten whole on every run,
// so the markdown never disagrees with the JSON; the prose around the markers is kept.
import type { BenchResults, StormRun } from "./results.ts";
import { CORE_OPERATIONS, type CoreOperation } from "./gas-core.ts";

const n = (value: number) => value.toLocaleString("en-US");
const x = (value: number) => `${value.toFixed(3)}x`;

function table(headers: string[], rows: (string | number)[][], align: ("l" | "r")[]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;
  return [line(headers), line(align.map((a) => (a === "r" ? "---:" : "---"))), ...rows.map(line)].join("\n");
}

function stormTable(runs: StormRun[]) {
  return table(
    [
      "profile",
      "keepers",
      "liquidatable",
      "liquidations",
      "gas per liquidation",
      "ADL fills",
      "blocks to solvent",
      "limit blocks",
      "blocks / limit",
      "block fill",
      "seconds to solvent",
      "keeper wall s",
    ],
    runs.map((s) => [
      s.profile,
      s.keepers,
      n(s.liquidatable),
      n(s.liquidations),
      n(s.gasPerLiquidation),
      n(s.adlFills),
      s.blocksToSolvent,
      s.limitBlocks.toFixed(2),
      `${(s.blocksToSolvent / s.limitBlocks).toFixed(2)}x`,
      s.blockFillPct === undefined ? "" : `${s.blockFillPct.toFixed(1)}%`,
      s.secondsToSolvent,
      s.wallSeconds.toFixed(1),
    ]),
    ["l", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r"],
  );
}

const sections: Record<string, (r: BenchResults) => string | undefined> = {
  "core-gas": (r) =>
    r.gas &&
    table(
      ["key (`gas.*`)", "operation", "gas"],
      Object.entries(r.gas).map(([key, gas]) => [`\`${key}\``, CORE_OPERATIONS[key as CoreOperation] ?? key, n(gas)]),
      ["l", "l", "r"],
    ),
  bytecode: (r) =>
    r.bytecode &&
    table(
      ["contract", "deployed bytes", "of EIP-170's 24,576"],
      Object.entries(r.bytecode).map(([name, bytes]) => [name, n(bytes), `${((bytes / 24_576) * 100).toFixed(1)}%`]),
      ["l", "r", "r"],
    ),
  "queue-gas": (r) =>
    r.adlGas &&
    table(
      [
        "positions",
        "insert (8 buckets)",
        "remove (8 buckets)",
        "best + unlink (8 buckets)",
        "insert (53)",
        "remove (53)",
        "best + unlink (53)",
      ],
      r.adlGas.rows.map((row) => [
        n(row.positions),
        ...[row.queue8, row.queue53].flatMap((q) => [q.insert, q.remove, q.bestUnlink].map((g) => `${n(g.op)} (${n(g.tx)})`)),
      ]),
      ["r", "r", "r", "r", "r", "r", "r"],
    ),
  "engine-gas": (r) =>
    r.adlGas &&
    table(
      ["positions", "non-empty buckets", "executeOrder: open", "executeOrder: close", "deleverage, 1 fill", "per fill, multi-fill"],
      r.adlGas.rows.map(({ positions, engine: e }) => [
        n(positions),
        e.nonEmptyBuckets,
        n(e.open),
        n(e.close),
        n(e.singleFill),
        `${n(e.perFill)} (${e.fills} fills)`,
      ]),
      ["r", "r", "r", "r", "r", "r"],
    ),
  "gas-growth": (r) =>
    r.gasGrowth &&
    table(
      ["key (`gasGrowth.*`)", `gas at ${n(r.adlGas!.rows.at(-1)!.positions)} positions / gas at ${n(r.adlGas!.rows[0].positions)}`],
      Object.entries(r.gasGrowth).map(([key, ratio]) => [`\`${key}\``, x(ratio)]),
      ["l", "r"],
    ),
  "gas-stuffing": (r) =>
    r.gasStuffing &&
    table(
      [
        "positions in the bucket",
        "openPosition, exact hint",
        "openPosition, hint 0 (walks the bucket)",
        "closePosition",
        "deleverage, 1 fill",
      ],
      r.gasStuffing.rows.map((s) => [n(s.positions), n(s.openExactHint), n(s.openStaleHint), n(s.close), n(s.deleverageOneFill)]),
      ["r", "r", "r", "r", "r"],
    ),
  fidelity: (r) =>
    r.adl?.fidelity &&
    table(
      ["top-k", "hits also in the exact top-k", "worst hit / best skipped (exact return)"],
      r.adl.fidelity.map((f) => [
        f.topK,
        `${f.overlapPct.toFixed(2)}%`,
        f.worstRatio === 1 ? "1 (never out of order)" : f.worstRatio.toFixed(4),
      ]),
      ["r", "r", "r"],
    ),
  "adl-exactness": (r) =>
    r.adl?.exactness &&
    table(
      [
        "ADL fills",
        "hits of the brute-force top",
        "`adl.rankExactnessPct`",
        "`adl.overshootWei` (token atoms)",
        "debt covered (atoms)",
        "transactions",
      ],
      [r.adl.exactness].map((e) => [
        n(e.fills),
        n(e.hits),
        `${e.rankExactnessPct.toFixed(2)}%`,
        e.overshootWei,
        e.debtCovered,
        e.transactions,
      ]),
      ["r", "r", "r", "r", "r", "r"],
    ),
  "keeper-scan": (r) =>
    r.keeper?.scan &&
    table(
      ["positions", "market", "scan ms", "at risk", "RSS MB"],
      r.keeper.scan.map((s) => [n(s.positions), s.market, s.scanMs.toFixed(1), n(s.atRisk), s.rssMb]),
      ["r", "l", "r", "r", "r"],
    ),
  "keeper-cold-start": (r) =>
    r.keeper?.coldStart &&
    table(
      ["positions", "from events, s", "from chain state, s", "keeper peak RSS MB"],
      [r.keeper.coldStart].map((c) => [n(c.positions), c.fromEventsSec.toFixed(1), c.fromChainStateSec.toFixed(1), c.peakRssMb]),
      ["r", "r", "r", "r"],
    ),
  "keeper-latency": (r) =>
    r.keeper?.latency &&
    table(
      ["poll interval", "new heads", "rounds", "background positions", "p50 ms", "p90 ms", "max ms", "min ms"],
      [r.keeper.latency].map((l) => [
        `${n(l.pollMs)} ms`,
        l.ws ? "websocket (`wsUrl`)" : "poll only",
        l.rounds,
        l.positions,
        l.p50Ms,
        l.p90Ms,
        l.maxMs,
        l.minMs,
      ]),
      ["r", "l", "r", "r", "r", "r", "r", "r"],
    ),
  storm: (r) =>
    r.storm?.runs &&
    stormTable(r.storm.runs) +
      (r.storm.failures?.length ? `\n\nNot solvent in time:\n\n${r.storm.failures.map((f) => `- ${f}`).join("\n")}` : ""),
  meta: (r) =>
    `Measured ${r.meta.date} at commit \`${r.meta.commit}\` (${r.meta.options}), ${r.meta.cpus} CPU cores, in ${r.meta.seconds} s` +
    (r.meta.later?.length ? `; then ${r.meta.later.join(", ")}` : "") +
    ". Every figure below comes from `bench/results.json`." +
    (r.meta.failed?.length ? `\n\nParts that failed in that run:\n\n${r.meta.failed.map((f) => `- ${f}`).join("\n")}` : ""),
};

/** `markdown` with each known section between its markers replaced by the table rendered from `results`. */
export function renderBenchmarks(markdown: string, results: BenchResults): string {
  return markdown.replace(/<!-- bench:([a-z-]+) -->\n[\s\S]*?<!-- \/bench:\1 -->/g, (whole, name: string) => {
    const render = sections[name];
    if (!render) throw new Error(`BENCHMARKS.md has an unknown section marker bench:${name}`);
    const body = render(results);
    return body === undefined ? whole : `<!-- bench:${name} -->\n${body}\n<!-- /bench:${name} -->`;
  });
}
