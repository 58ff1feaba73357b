// Any position by id, or every open position of an account, re-read on every block.
import { isAddress, type Address } from "viem";
import type { PositionView } from "../../sdk/dist/index.js";
import type { Chain } from "./chain.ts";
import { byId, h, render, table } from "./dom.ts";
import { POSITION_HEADERS, positionCells, positionRowAttributes } from "./positionRow.ts";
import type { Panel } from "./refreshLoop.ts";

type Query = { positionId: bigint } | { account: Address };

/** A position id (digits) or an account address; a message for anything else. */
function parseQuery(text: string): Query | string {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return { positionId: BigInt(trimmed) };
  if (isAddress(trimmed, { strict: false })) return { account: trimmed };
  return `"${trimmed}" is neither a position id (a number) nor an account address (0x and 40 hex digits)`;
}

export function positionLookup(chain: Chain, root: HTMLElement, refreshNow: () => Promise<void>): Panel {
  const form = byId<HTMLFormElement>("lookup-form");
  const input = byId<HTMLInputElement>("lookup-input");
  let query: Query | null = null;

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const parsed = parseQuery(input.value);
    if (typeof parsed === "string") {
      query = null;
      render(root, h("p", { class: "error" }, parsed));
      return;
    }
    query = parsed;
    render(root, h("p", { class: "muted" }, "Loading…"));
    void refreshNow();
  });

  async function find(q: Query): Promise<PositionView[]> {
    if ("positionId" in q) {
      const one = await chain.reader.positionById(q.positionId);
      return one ? [one] : [];
    }
    return chain.reader.positions(q.account);
  }

  return {
    async refresh() {
      if (!query) return;
      const asked = query;
      const found = await find(asked);
      if (query !== asked) return; // a newer lookup replaced this one while it was read
      if (found.length === 0) {
        const what = "positionId" in asked ? `Position #${asked.positionId} is not open` : `${asked.account} has no open position`;
        render(root, h("p", { class: "muted", "data-empty": "" }, `${what} (closed, liquidated in full, or never opened).`));
        return;
      }
      render(
        root,
        table(
          ["Market", ...POSITION_HEADERS],
          found.map((p) => ({
            cells: [chain.marketName(p.marketId), ...positionCells(p, chain.marketName(p.marketId))],
            attributes: positionRowAttributes(p),
          })),
        ),
      );
    },
    fail(message) {
      if (query) render(root, h("p", { class: "error" }, `Lookup failed: ${message}`));
    },
  };
}
