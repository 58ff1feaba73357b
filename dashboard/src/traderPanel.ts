// The trader panel: connect an injected wallet, deposit or withdraw collateral, open or close a
// position (two-step: each creates a market order that a keeper executes at the first price
// published after it) and add margin (immediate), with the trade preview above the buttons, the
// trader's balances, positions and pending orders, and any revert decoded to the protocol's error.
import { parseEventLogs, zeroAddress, type Address, type Hash } from "viem";
import { perpEngineAbi, send, type TxRequest } from "../../sdk/dist/index.js";
import type { Chain } from "./chain.ts";
import { byId, h, render, table } from "./dom.ts";
import { describeError, protocolErrorName } from "./errors.ts";
import * as fmt from "./format.ts";
import { parseSize, parseUsd } from "./amounts.ts";
import { POSITION_HEADERS, positionCells, positionRowAttributes } from "./positionRow.ts";
import { previewView } from "./tradePreview.ts";
import type { Panel } from "./refreshLoop.ts";
import { connectWallet, type Wallet } from "./wallet.ts";

const ORDER_KINDS = ["market", "limit", "stop-loss", "take-profit"];
const TWO_STEP_NOTE = "a keeper executes it at the first price published after the request; until then it is listed under Pending orders";

export function traderPanel(chain: Chain, refreshNow: () => Promise<void>): Panel {
  const els = {
    connect: byId<HTMLButtonElement>("connect"),
    account: byId("wallet-account"),
    market: byId<HTMLSelectElement>("trade-market"),
    side: byId<HTMLSelectElement>("trade-side"),
    size: byId<HTMLInputElement>("trade-size"),
    margin: byId<HTMLInputElement>("trade-margin"),
    amount: byId<HTMLInputElement>("funds-amount"),
    preview: byId("trade-preview"),
    result: byId("trade-result"),
    balances: byId("trader-balances"),
    positions: byId("trader-positions"),
    orders: byId("trader-orders"),
    actions: [...document.querySelectorAll<HTMLButtonElement>("#trader button[data-action]")],
  };
  for (const m of chain.addresses.markets) els.market.append(h("option", { value: m.marketId }, m.name));
  let wallet: Wallet | null = null;
  const account = (): Address => wallet?.account.address ?? zeroAddress;
  const marketId = () => Number(els.market.value);

  function showResult(message: string, error?: unknown) {
    render(
      els.result,
      error === undefined
        ? h("p", { class: "ok" }, message)
        : h("p", { class: "error", "data-error": protocolErrorName(error) }, `${message}: ${describeError(error)}`),
    );
  }

  /** Sends each request in order, each mined before the next is estimated (an approval before its deposit). */
  async function sendAll(txs: TxRequest[]): Promise<Hash> {
    if (!wallet) throw new Error("Connect a wallet first");
    let hash: Hash | undefined;
    for (const tx of txs) {
      hash = await send(wallet, tx);
      const receipt = await chain.client.waitForTransactionReceipt({ hash, timeout: 60_000 });
      if (receipt.status !== "success") throw new Error(`${tx.functionName} reverted in ${hash}`);
    }
    return hash!;
  }

  async function orderIdOf(hash: Hash): Promise<bigint> {
    const receipt = await chain.client.getTransactionReceipt({ hash });
    const [created] = parseEventLogs({ abi: perpEngineAbi, logs: receipt.logs, eventName: "OrderCreated" });
    return created.args.orderId;
  }

  const signedSize = () => {
    const size = parseSize(els.size.value, "Size");
    return els.side.value === "long" ? size : -size;
  };

  const actions: Record<string, () => Promise<string>> = {
    async deposit() {
      const amount = parseUsd(els.amount.value, "Amount");
      await sendAll(await chain.writer.deposit(account(), amount));
      return `Deposited ${fmt.usd(amount)}.`;
    },
    async withdraw() {
      const amount = parseUsd(els.amount.value, "Amount");
      await sendAll([chain.writer.withdraw(amount, account())]);
      return `Withdrew ${fmt.usd(amount)}.`;
    },
    async open() {
      const order = await chain.writer.marketOrder({
        account: account(),
        marketId: marketId(),
        sizeDelta: signedSize(),
        marginIn: parseUsd(els.margin.value, "Margin"),
      });
      const id = await orderIdOf(await sendAll([order.tx]));
      return `Order #${id} requested (${fmt.usd(order.escrow)} escrowed, fill at most ${fmt.price(order.request.acceptablePrice)}): ${TWO_STEP_NOTE}.`;
    },
    async close() {
      const order = await chain.writer.closePosition({ account: account(), marketId: marketId() });
      const id = await orderIdOf(await sendAll([order.tx]));
      return `Close order #${id} requested: ${TWO_STEP_NOTE}.`;
    },
    async addMargin() {
      const amount = parseUsd(els.margin.value, "Margin");
      await sendAll([await chain.writer.addMargin({ account: account(), marketId: marketId(), amount })]);
      return `Added ${fmt.usd(amount)} of margin (immediate: it only lowers risk).`;
    },
  };

  for (const button of els.actions) {
    button.addEventListener("click", async (event) => {
      event.preventDefault();
      const action = actions[button.dataset.action!];
      for (const b of els.actions) b.disabled = true;
      render(els.result, h("p", { class: "muted" }, "Waiting for the wallet…"));
      try {
        showResult(await action());
      } catch (error) {
        showResult(`${button.textContent} failed`, error);
      } finally {
        for (const b of els.actions) b.disabled = wallet === null;
        await refreshNow();
      }
    });
  }

  els.connect.addEventListener("click", async () => {
    try {
      wallet = await connectWallet();
      render(els.account, h("span", { "data-account": wallet.account.address }, `Connected: ${wallet.account.address}`));
      els.connect.hidden = true;
      for (const b of els.actions) b.disabled = false;
      await refreshNow();
    } catch (error) {
      render(els.account, h("span", { class: "error" }, describeError(error)));
    }
  });
  for (const input of [els.market, els.side, els.size, els.margin]) input.addEventListener("change", () => void refreshNow());

  async function renderPreview() {
    let sizeDelta: bigint;
    let marginIn: bigint;
    try {
      sizeDelta = signedSize();
      marginIn = els.margin.value.trim() === "" ? 0n : parseUsd(els.margin.value, "Margin");
    } catch (error) {
      render(els.preview, h("p", { class: "muted" }, describeError(error)));
      return;
    }
    try {
      const preview = await chain.reader.previewTrade(account(), marketId(), sizeDelta, marginIn);
      render(els.preview, previewView(preview, chain.marketName(marketId())));
    } catch (error) {
      render(els.preview, h("p", { class: "error", "data-error": protocolErrorName(error) }, `Preview: ${describeError(error)}`));
    }
  }

  async function renderAccount() {
    if (!wallet) return;
    const [balances, positions, orders] = await Promise.all([
      chain.reader.balances(account()),
      chain.reader.positions(account()),
      chain.reader.pendingOrders(account()),
    ]);
    render(
      els.balances,
      h(
        "span",
        { "data-free": balances.free.toString() },
        `Deposited (free): ${fmt.usd(balances.free)} · wallet: ${fmt.usd(balances.wallet)}`,
      ),
    );
    render(
      els.positions,
      positions.length === 0
        ? h("p", { class: "muted" }, "No open position.")
        : table(
            ["Market", ...POSITION_HEADERS],
            positions.map((p) => ({
              cells: [chain.marketName(p.marketId), ...positionCells(p, chain.marketName(p.marketId))],
              attributes: positionRowAttributes(p),
            })),
          ),
    );
    render(
      els.orders,
      orders.length === 0
        ? h("p", { class: "muted" }, "No pending order.")
        : table(
            ["Order", "Market", "Kind", "Size", "Margin in / out", "Worst price", "Expires"],
            orders.map(({ orderId, order }) => {
              const unit = chain.marketName(order.marketId);
              const direction =
                order.sizeDelta === 0n ? "margin only" : `${order.sizeDelta > 0n ? "buy" : "sell"} ${fmt.size(order.sizeDelta, unit)}`;
              return {
                cells: [
                  `#${orderId}`,
                  unit,
                  `${ORDER_KINDS[order.kind] ?? order.kind}${order.reduceOnly ? " (reduce-only)" : ""}`,
                  direction,
                  `${fmt.usd(order.marginIn)} / ${fmt.usd(order.marginOut)}`,
                  fmt.price(order.acceptablePrice),
                  new Date(Number(order.expiresAt) * 1000).toISOString().slice(11, 19) + " UTC",
                ],
                attributes: { "data-order": orderId.toString() },
              };
            }),
          ),
    );
  }

  return {
    async refresh() {
      await Promise.all([renderPreview(), renderAccount()]);
    },
    fail(message) {
      render(els.balances, h("p", { class: "error" }, `Account unavailable: ${message}`));
    },
  };
}
