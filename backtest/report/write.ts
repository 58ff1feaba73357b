// Writes a report to its folder: report.json, the CSV time series and tables, and report.html.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Report, Table } from "../reportData.ts";
import { renderHtml } from "./html.ts";

const csvCell = (v: unknown) => {
  const text = String(v);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};
const csv = (header: string[], rows: unknown[][]) => [header, ...rows].map((r) => r.map(csvCell).join(",")).join("\n") + "\n";

export function writeReport(report: Report, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const files: Record<string, string> = {
    "report.json": JSON.stringify(report, null, 2) + "\n",
    "report.html": renderHtml(report),
    "summary.csv": csv(report.summaryTable.columns, report.summaryTable.rows),
    "events.csv": csv(
      ["event", "step", "payer", "deficit", "policy", ...Object.keys(report.events[0]?.policies[0]?.metrics ?? {})],
      report.events.flatMap((e, i) => e.policies.map((p) => [i + 1, e.step, e.payer, e.deficit, p.policy, ...Object.values(p.metrics)])),
    ),
  };
  if (report.series) {
    const names = Object.keys(report.series);
    const series = report.series;
    files["steps.csv"] = csv(
      names,
      series.time.map((_, i) => names.map((n) => series[n][i])),
    );
  }
  if (report.markers) {
    files["liquidations.csv"] = csv(
      ["time", "price", "kind"],
      report.markers.liquidations.map((l) => [l.time, l.price, l.kind]),
    );
    files["adl-fills.csv"] = csv(
      ["time", "fillPrice", "haircut"],
      report.markers.fills.map((f) => [f.time, f.price, f.haircut]),
    );
  }
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return Object.keys(files).map((name) => join(dir, name));
}

/** The summary table as aligned text for the terminal. */
export function formatTable(table: Table): string {
  if (table.rows.length === 0) return table.title;
  const widths = table.columns.map((c, i) => Math.max(c.length, ...table.rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [table.title, line(table.columns), ...table.rows.map(line)].join("\n");
}
