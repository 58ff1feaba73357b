// Per market: price, funding, open interest per side, insurance coverage, and each side's ADL debt
// and pnl factor against their thresholds (any debt means ADL is due; a pnl factor over the
// maximum allows pool-protection ADL down to the target).
import type { MarketView } from "../../sdk/dist/index.js";
import type { Chain } from "./chain.ts";
import { h, render } from "./dom.ts";
import * as fmt from "./format.ts";
import type { Panel } from "./refreshLoop.ts";

function sideRow(label: string, openInterest: bigint, unit: string, m: MarketView, debt: bigint, pnlFactor: bigint) {
  const { maxPnlFactor, targetPnlFactor } = m.adl;
  const overMax = pnlFactor > maxPnlFactor;
  return h(
    "tr",
    { "data-side": label },
    h("th", {}, label),
    h("td", {}, `${fmt.size(openInterest, unit)} (${fmt.usd((openInterest * m.price) / 10n ** 30n)})`),
    h("td", { class: debt > 0n ? "alert" : "", "data-adl-debt": debt.toString() }, debt > 0n ? `${fmt.usd(debt)} — ADL due` : fmt.usd(0n)),
    h(
      "td",
      { class: overMax ? "alert" : "" },
      `${fmt.percent(pnlFactor)} of vault (max ${fmt.percent(maxPnlFactor)}, target ${fmt.percent(targetPnlFactor)})`,
    ),
  );
}

function marketCard(chain: Chain, m: MarketView) {
  const unit = chain.marketName(m.marketId);
  const { state, adl } = m;
  return h(
    "article",
    { class: "market", "data-market": m.marketId },
    h(
      "header",
      {},
      h("h3", {}, `${unit}-PERP`),
      h("span", { class: "price", "data-price": m.price.toString() }, fmt.price(m.price)),
      m.priceFresh ? null : h("span", { class: "alert" }, "stale price: trading paused"),
    ),
    h(
      "dl",
      {},
      h("dt", {}, "Funding"),
      h("dd", { title: "positive: longs pay shorts" }, fmt.fundingPerHour(m.fundingRatePerSecond)),
      h("dt", {}, "Insurance fund"),
      h("dd", {}, `${fmt.usd(adl.insuranceFund)} (covers ${fmt.percent(m.insuranceCoverage)} of open notional)`),
    ),
    h(
      "table",
      { class: "sides" },
      h("thead", {}, h("tr", {}, h("th", {}), h("th", {}, "Open interest"), h("th", {}, "ADL debt"), h("th", {}, "PnL factor"))),
      h(
        "tbody",
        {},
        sideRow("long", state.longSize, unit, m, adl.longAdlDebt, adl.longPnlFactor),
        sideRow("short", state.shortSize, unit, m, adl.shortAdlDebt, adl.shortPnlFactor),
      ),
    ),
  );
}

export function marketPanel(chain: Chain, root: HTMLElement): Panel {
  return {
    async refresh() {
      const markets = await Promise.all(chain.addresses.markets.map((m) => chain.reader.market(m.marketId)));
      render(root, ...markets.map((m) => marketCard(chain, m)));
    },
    fail(message) {
      render(root, h("p", { class: "error" }, `Markets unavailable: ${message}`));
    },
  };
}
