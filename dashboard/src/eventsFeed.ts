// Recent liquidations and ADL fills (the engine's Liquidated and AdlFill events), newest first.
// Each refresh reads only the blocks since the last one; the first reads at most FEED_LOOKBACK_BLOCKS
// back (from the deployment on a young chain such as the demo's).
import type { RiskEvent } from "../../sdk/dist/index.js";
import type { Chain } from "./chain.ts";
import { h, render, table } from "./dom.ts";
import * as fmt from "./format.ts";
import type { Panel } from "./refreshLoop.ts";

/** Rows kept on the page: a storm can liquidate thousands; the newest are the ones to watch. */
export const FEED_ROWS = 50;
/** How far back the first read goes: one eth_getLogs range that public RPCs' range limits accept. */
export const FEED_LOOKBACK_BLOCKS = 2_000n;

function describe(chain: Chain, e: RiskEvent) {
  const a = e.args;
  const unit = chain.marketName(a.marketId);
  if (e.eventName === "Liquidated") {
    const l = e.args;
    const detail = `closed ${fmt.size(l.closedSize, unit)} at ${fmt.price(l.price)}; equity before ${fmt.usd(l.equityBefore)}, penalty ${fmt.usd(l.penalty)}, keeper reward ${fmt.usd(l.keeperReward)}`;
    return { kind: "Liquidation", detail: l.deficit > 0n ? `${detail}, deficit ${fmt.usd(l.deficit)} (insurance, then ADL)` : detail };
  }
  const f = e.args;
  return {
    kind: `ADL fill (${fmt.side(f.isLong)})`,
    detail: `closed ${fmt.size(f.closedSize, unit)} at ${fmt.price(f.fillPrice)}; realised ${fmt.usd(f.realisedPnl)} after a ${fmt.usd(f.haircut)} haircut; side still owes ${fmt.usd(f.remainingDebt)}`,
  };
}

export function eventsFeed(chain: Chain, root: HTMLElement): Panel {
  let events: RiskEvent[] = [];
  let readUpTo: bigint | null = null;
  let since = 0n;

  return {
    async refresh(block) {
      if (readUpTo === null) {
        const deployed = BigInt(chain.addresses.deploymentBlock);
        const earliest = block + 1n - FEED_LOOKBACK_BLOCKS;
        since = earliest > deployed ? earliest : deployed;
      }
      const from = readUpTo === null ? since : readUpTo + 1n;
      if (from <= block) {
        const fresh = await chain.reader.riskEvents(from, block);
        events = [...fresh.reverse(), ...events].slice(0, FEED_ROWS);
        readUpTo = block;
      }
      if (events.length === 0) {
        render(root, h("p", { class: "muted" }, `No liquidations or ADL fills since block ${since}.`));
        return;
      }
      render(
        root,
        table(
          ["Block", "Market", "Position", "Event", "Details"],
          events.map((e) => {
            const { kind, detail } = describe(chain, e);
            return {
              cells: [String(e.blockNumber), chain.marketName(e.args.marketId), `#${e.args.positionId}`, kind, detail],
              attributes: { "data-event": e.eventName, "data-position": e.args.positionId.toString() },
            };
          }),
        ),
      );
    },
    fail(message) {
      render(root, h("p", { class: "error" }, `Events unavailable: ${message}`));
    },
  };
}
