// The top of each market's ADL queues: who is deleveraged first on each side, with rank, score and
// the five lights, best-ranked first (PerpLens.adlRanking through the SDK's adlQueue).
import type { PositionView } from "../../sdk/dist/index.js";
import type { Chain } from "./chain.ts";
import { h, render, table } from "./dom.ts";
import * as fmt from "./format.ts";
import { POSITION_HEADERS, positionCells, positionRowAttributes } from "./positionRow.ts";
import type { Panel } from "./refreshLoop.ts";

/** Rows per side: enough to see who is next after a fill without reading the whole queue each block. */
export const QUEUE_ROWS = 10;

function sideTable(chain: Chain, marketId: number, isLong: boolean, queue: PositionView[]) {
  const unit = chain.marketName(marketId);
  const title = `${unit} ${isLong ? "longs" : "shorts"}: ${queue[0] ? `${queue[0].adl.sideCount} in the queue` : "none open"}`;
  return h(
    "section",
    { class: "queue", "data-market": marketId, "data-side": fmt.side(isLong) },
    h("h3", {}, title),
    queue.length === 0
      ? h("p", { class: "muted" }, "No open positions on this side.")
      : table(
          ["Rank", "Score", ...POSITION_HEADERS],
          queue.map((p) => ({
            cells: [String(p.adl.rank), fmt.score(p.adl.score), ...positionCells(p, unit)],
            attributes: positionRowAttributes(p),
          })),
        ),
  );
}

export function queuePanel(chain: Chain, root: HTMLElement): Panel {
  return {
    async refresh() {
      const sides = chain.addresses.markets.flatMap((m) => [
        { marketId: m.marketId, isLong: true },
        { marketId: m.marketId, isLong: false },
      ]);
      const queues = await Promise.all(sides.map((s) => chain.reader.adlQueue(s.marketId, s.isLong, QUEUE_ROWS)));
      render(root, ...sides.map((s, i) => sideTable(chain, s.marketId, s.isLong, queues[i])));
    },
    fail(message) {
      render(root, h("p", { class: "error" }, `ADL queues unavailable: ${message}`));
    },
  };
}
