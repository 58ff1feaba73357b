// How one position is shown wherever it appears (ADL queue, lookup, the trader's own): the same
// columns, so a position looks the same in every panel.
import type { PositionView } from "../../sdk/dist/index.js";
import * as fmt from "./format.ts";
import { adlLights, healthBar } from "./widgets.ts";

export const POSITION_HEADERS = [
  "#",
  "Account",
  "Side",
  "Size",
  "Margin",
  "Equity",
  "Leverage",
  "Health",
  "Liq. price",
  "Bankr. price",
  "ADL",
];

export function positionCells(p: PositionView, unit: string) {
  const { health, adl } = p;
  return [
    String(p.positionId),
    fmt.shortAddress(health.account),
    fmt.side(adl.isLong),
    fmt.size(health.size, unit),
    fmt.usd(health.margin),
    fmt.usd(health.equity),
    fmt.leverage(health.notional, health.equity),
    healthBar(health.equity, health.maintenanceMargin, health.liquidatable, health.bankrupt),
    fmt.price(health.liquidationPrice),
    fmt.price(health.bankruptcyPrice),
    adlLights(adl.quantile, adl.rank, adl.sideCount),
  ];
}

/** Row attributes that let a reader (or a test) find a position and its ADL lights. */
export const positionRowAttributes = (p: PositionView) => ({ "data-position": p.positionId.toString(), "data-lights": p.adl.quantile });
