// PerpLens.previewTrade (via the SDK) rendered above the trade buttons: the fill with fee and
// impact, the position after it, its liquidation price and its ADL place. It is a preview at the
// current price: the order fills later, at the first price published after it.
import type { TradePreview } from "../../sdk/dist/index.js";
import { h } from "./dom.ts";
import * as fmt from "./format.ts";
import { adlLights } from "./widgets.ts";

export function previewView(p: TradePreview, unit: string) {
  const closes = p.sizeAfter === 0n;
  const underMargined = !closes && p.marginAfter < p.initialMarginAfter;
  const notionalAfter = ((p.sizeAfter < 0n ? -p.sizeAfter : p.sizeAfter) * p.price) / 10n ** 30n;
  const rows: [string, string | Node][] = [
    ["Fill price (impact incl.)", fmt.price(p.executionPrice)],
    ["Trading fee", fmt.usd(p.fee)],
    [p.impact < 0n ? "Impact rebate" : "Price impact", fmt.usd(p.impact < 0n ? -p.impact : p.impact)],
    [
      "Position after",
      closes ? "closed" : `${fmt.side(p.sizeAfter > 0n)} ${fmt.size(p.sizeAfter, unit)} at ${fmt.price(p.entryPriceAfter)}`,
    ],
    ["Margin after", `${fmt.usd(p.marginAfter)} (${fmt.leverage(notionalAfter, p.marginAfter)})`],
  ];
  if (!closes) {
    rows.push(["Liquidation price", fmt.price(p.liquidationPrice)]);
    rows.push(["ADL bucket", String(p.bucket)]);
    rows.push(["ADL rank", h("span", {}, `${p.rank} of ${p.sideCount} `, adlLights(p.quantile, p.rank, p.sideCount))]);
  }
  return h(
    "div",
    { class: "preview", "data-execution-price": p.executionPrice.toString() },
    h("dl", {}, ...rows.flatMap(([label, value]) => [h("dt", {}, label), h("dd", {}, value)])),
    underMargined
      ? h(
          "p",
          { class: "error", "data-under-margined": "" },
          `Margin below the ${fmt.usd(p.initialMarginAfter)} this size needs (over max leverage): the keeper would cancel the order.`,
        )
      : null,
  );
}
