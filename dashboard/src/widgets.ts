// The two visual signals a trader reads at a glance: the five ADL lights and the health bar.
import { h } from "./dom.ts";
import { ratio } from "./format.ts";

/**
 * The five-light ADL quantile: 5 lit = the top fifth of its side's ranking (deleveraged first),
 * 1 lit = the bottom fifth. The count is also in data-lights for tests and assistive tools.
 */
export function adlLights(quantile: number, rank?: bigint, sideCount?: bigint) {
  const title = rank !== undefined && sideCount !== undefined ? `ADL rank ${rank} of ${sideCount}: ${quantile}/5` : `ADL ${quantile}/5`;
  const lights = Array.from({ length: 5 }, (_, i) => h("span", { class: i < quantile ? `light on q${quantile}` : "light" }));
  return h("span", { class: "lights", "data-lights": quantile, title, "aria-label": title }, ...lights);
}

/**
 * Equity against the maintenance margin: the bar empties as equity falls to maintenance (where
 * liquidation starts). Filled share = 1 - maintenance / equity, so 2x maintenance shows half full.
 */
export function healthBar(equity: bigint, maintenanceMargin: bigint, liquidatable: boolean, bankrupt: boolean) {
  const fill = equity <= maintenanceMargin ? 0 : 1 - ratio(maintenanceMargin, equity);
  const level = bankrupt ? "bankrupt" : liquidatable ? "liquidatable" : fill < 0.25 ? "low" : fill < 0.5 ? "mid" : "good";
  const label = bankrupt ? "bankrupt" : liquidatable ? "liquidatable" : `${Math.round(fill * 100)}%`;
  return h(
    "span",
    { class: `health ${level}`, "data-health": level, title: "equity over maintenance margin" },
    h("span", { class: "bar", style: `width:${Math.round(fill * 100)}%` }),
    h("span", { class: "label" }, label),
  );
}
