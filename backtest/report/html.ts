// report.html: one self-contained file (Chart.js, the page script and the report JSON inlined),
// so it opens offline and shows exactly the numbers in report.json.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Report } from "../reportData.ts";

const require = createRequire(import.meta.url);

/** JSON safe inside a <script> element: no "</script>" or "<!--" can close it early. */
const inlineJson = (value: unknown) => JSON.stringify(value).replace(/</g, "\\u003c");
const escapeHtml = (text: string) => text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

export function renderHtml(report: Report): string {
  // The package's exports map hides dist/, so the UMD build is found beside its resolved entry.
  const chartJs = readFileSync(join(dirname(require.resolve("chart.js")), "chart.umd.min.js"), "utf8");
  const page = readFileSync(new URL("./page.js", import.meta.url), "utf8");
  const title = `Backtest ${report.scenario} (seed ${report.seed})`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
body { font: 13px/1.4 system-ui, sans-serif; margin: 16px 24px; color: #222; }
#summary { display: grid; grid-template-columns: repeat(6, auto 1fr); gap: 2px 10px; }
#summary dt { color: #666; } #summary dd { margin: 0; font-weight: 600; }
table { border-collapse: collapse; margin: 6px 0 16px; } th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
#charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 16px; }
.chart canvas { max-height: 340px; }
h3 { font-size: 13px; margin: 8px 0 4px; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(report.description)}</p>
<div id="main"></div>
<div id="charts"></div>
<script type="application/json" id="report-data">${inlineJson(report)}</script>
<script>${chartJs}</script>
<script>${page}</script>
</body>
</html>
`;
}
