// The report page's script, inlined into report.html after Chart.js: it draws every chart and
// table from the report JSON embedded in the page, so the page needs no network and shows exactly
// the numbers report.json holds. window.backtestReady is set once every chart has rendered.
/* global Chart */
(function () {
  const report = JSON.parse(document.getElementById("report-data").textContent);
  const colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
  const charts = [];
  const hours = (t) => t / 3600;
  Chart.defaults.animation = false;
  Chart.defaults.font.size = 11;

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function table(t, id) {
    const wrap = el("section", { class: "table" });
    wrap.appendChild(el("h3", {}, t.title));
    const tbl = el("table", { id });
    const head = el("tr");
    t.columns.forEach((c) => head.appendChild(el("th", {}, c)));
    tbl.appendChild(head);
    t.rows.forEach((r) => {
      const tr = el("tr");
      r.forEach((c) => tr.appendChild(el("td", {}, c)));
      tbl.appendChild(tr);
    });
    wrap.appendChild(tbl);
    return wrap;
  }

  function chartBox(id, title) {
    const box = el("section", { class: "chart" });
    box.appendChild(el("h3", {}, title));
    const canvas = el("canvas", { id });
    box.appendChild(canvas);
    document.getElementById("charts").appendChild(box);
    return canvas;
  }

  const main = document.getElementById("main");
  const facts = el("dl", { id: "summary" });
  Object.entries(report.summary).forEach(([k, v]) => {
    facts.appendChild(el("dt", {}, k));
    facts.appendChild(el("dd", { "data-key": k }, String(v)));
  });
  main.appendChild(facts);
  const inv = el("p", { id: "invariants" });
  inv.textContent = Object.entries(report.invariants)
    .map(([k, v]) => `${k}: ${v}`)
    .join(" · ");
  main.appendChild(inv);
  main.appendChild(table(report.summaryTable, "summary-table"));

  if (report.series) {
    const s = report.series;
    const xy = (ys) => s.time.map((t, i) => ({ x: hours(t), y: ys[i] }));
    const marker = (kind) => report.markers.liquidations.filter((m) => m.kind === kind).map((m) => ({ x: hours(m.time), y: m.price }));
    charts.push(
      new Chart(chartBox("chart-price", "Price path, liquidations and ADL fills (hours)"), {
        type: "scatter",
        data: {
          datasets: [
            { type: "line", label: "oracle price", data: xy(s.price), borderColor: "#333", pointRadius: 0, borderWidth: 1.5 },
            { label: "partial liquidation", data: marker("partial"), backgroundColor: "#ff7f0e", pointRadius: 3 },
            { label: "full liquidation", data: marker("full"), backgroundColor: "#9467bd", pointRadius: 3 },
            { label: "bankrupt", data: marker("bankrupt"), backgroundColor: "#d62728", pointRadius: 4, pointStyle: "triangle" },
            {
              label: "ADL fill (fill price)",
              data: report.markers.fills.map((f) => ({ x: hours(f.time), y: f.price })),
              backgroundColor: "#1f77b4",
              pointRadius: 4,
              pointStyle: "rectRot",
            },
          ],
        },
        options: { scales: { x: { type: "linear", title: { display: true, text: "hours" } } } },
      }),
    );
    charts.push(
      new Chart(chartBox("chart-funds", "Insurance fund and vault equity"), {
        type: "line",
        data: {
          datasets: [
            { label: "insurance fund", data: xy(s.insuranceFund), borderColor: colors[1], pointRadius: 0, yAxisID: "y1" },
            { label: "vault equity", data: xy(s.vaultEquity), borderColor: colors[0], pointRadius: 0, yAxisID: "y" },
            {
              label: "ADL debt (both sides)",
              data: xy(s.longAdlDebt.map((v, i) => v + s.shortAdlDebt[i])),
              borderColor: colors[3],
              pointRadius: 0,
              yAxisID: "y1",
            },
          ],
        },
        options: {
          scales: {
            x: { type: "linear", title: { display: true, text: "hours" } },
            y: { position: "left", title: { display: true, text: "vault equity" } },
            y1: { position: "right", grid: { drawOnChartArea: false }, title: { display: true, text: "insurance / debt" } },
          },
        },
      }),
    );
    charts.push(
      new Chart(chartBox("chart-oi", "Open interest (base units)"), {
        type: "line",
        data: {
          datasets: [
            { label: "long OI", data: xy(s.longOpenInterest), borderColor: colors[2], pointRadius: 0 },
            { label: "short OI", data: xy(s.shortOpenInterest), borderColor: colors[1], pointRadius: 0 },
          ],
        },
        options: { scales: { x: { type: "linear", title: { display: true, text: "hours" } } } },
      }),
    );
    charts.push(
      new Chart(chartBox("chart-keeper", "Blocks the keeper needed per step to bring every position back above maintenance"), {
        type: "bar",
        data: {
          labels: s.time.map((t) => hours(t).toFixed(2)),
          datasets: [{ label: "keeper blocks", data: s.keeperBlocks, backgroundColor: "#888" }],
        },
        options: { scales: { x: { title: { display: true, text: "hours" } } } },
      }),
    );
  }

  // Per ADL event: the haircut distribution of every policy (largest payers first) and its table,
  // for the 12 largest events that anyone could pay (with no winner left, the vault bears it all).
  const events = report.events
    .map((e, i) => ({ e, i }))
    .filter(({ e }) => e.policies.some((p) => p.topHaircuts.length > 0))
    .sort((a, b) => b.e.deficit - a.e.deficit)
    .slice(0, 12);
  events.forEach(({ e, i }, n) => {
    const title = `ADL event ${i + 1}: step ${e.step}, deficit ${e.deficit.toFixed(2)} owed by ${e.payer}s — haircut of the 20 largest payers per policy`;
    const canvas = chartBox(`chart-event-${i}`, title);
    charts.push(
      new Chart(canvas, {
        type: "bar",
        data: {
          labels: Array.from({ length: Math.max(...e.policies.map((p) => p.topHaircuts.length), 1) }, (_, k) => `#${k + 1}`),
          datasets: e.policies.map((p, k) => ({ label: p.label, data: p.topHaircuts, backgroundColor: colors[k % colors.length] })),
        },
        options: { scales: { y: { type: n === 0 ? "logarithmic" : "linear", title: { display: true, text: "haircut" } } } },
      }),
    );
    canvas.parentNode.appendChild(
      table(
        {
          title:
            `event ${i + 1}: ${e.winners} winners of ${e.payerPositions} ${e.payer}s, side profit ${e.sideProfit.toFixed(2)}` +
            (e.queueMatchesChain === null ? "" : `, queue = on-chain fills: ${e.queueMatchesChain}`),
          columns: ["policy", "accounts hit", "taken max", "median", "Gini", "top-10", "overshoot (atoms)"],
          rows: e.policies.map((p) => [
            p.label,
            String(p.metrics.accountsHit),
            (p.metrics.shareTakenMax * 100).toFixed(1) + "%",
            (p.metrics.shareTakenMedian * 100).toFixed(1) + "%",
            p.metrics.gini.toFixed(3),
            (p.metrics.top10Share * 100).toFixed(1) + "%",
            p.metrics.overshootAtoms,
          ]),
        },
        `event-table-${i}`,
      ),
    );
  });

  window.backtestCharts = charts;
  window.backtestReady = true;
})();
