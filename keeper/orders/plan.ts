// Which pending orders can be executed now, and with which price proof: the engine's rules
// (OrderModule / OrderRules), asked of the market's price source. This is a cheap pre-check; the
// per-order simulation decides, so a plan that is wrong costs an eth_call, never a transaction.
import { type Hex, encodeAbiParameters } from "viem";
import type { PendingOrder } from "./orderBook.ts";
import type { OrderPriceSource, ProvablePrice } from "./priceSource.ts";

/** Order.kind (contracts/types/PerpTypes.sol). */
export const OrderKind = { Market: 0, Limit: 1, StopLoss: 2, TakeProfit: 3 } as const;

/** OrderSettings, the fields execution depends on. */
export interface OrderTiming {
  minExecutionDelay: number;
  maxPriceAge: number;
}

export type OrderPlan =
  | {
      action: "execute";
      priceData: Hex;
      updateFee: bigint;
      /** the price it should fill at; undefined when cancelled as expired */ priceWad?: bigint;
    }
  | { action: "wait"; reason: string };

const wait = (reason: string): OrderPlan => ({ action: "wait", reason });

/** A stop-loss closes a long at or below its trigger (a short at or above); a take-profit the reverse. */
export function crossesTrigger(order: Pick<PendingOrder, "kind" | "sizeDelta" | "triggerPrice">, priceWad: bigint): boolean {
  const closesLong = order.sizeDelta < 0n;
  const falling = order.kind === OrderKind.StopLoss ? closesLong : !closesLong;
  return falling ? priceWad <= order.triggerPrice : priceWad >= order.triggerPrice;
}

/**
 * The plan for one order at chain time `now` (the latest block's timestamp; the next block is later).
 * - expired: executed with empty priceData, which cancels it (the executor keeps the capped fee);
 * - market: the first price published at or after createdAt + minExecutionDelay;
 * - limit: the latest price since then, if it is at or better than the limit before impact;
 * - stop-loss / take-profit: the oldest price since then that crossed the trigger whose fill (the
 *   first price at or after it + minExecutionDelay) is still fresh.
 * Every fill price must be at most maxPriceAge old at execution.
 */
export async function planOrder(order: PendingOrder, source: OrderPriceSource, timing: OrderTiming, now: number): Promise<OrderPlan> {
  if (now >= order.expiresAt) return { action: "execute", priceData: "0x", updateFee: 0n };
  const notBefore = order.createdAt + timing.minExecutionDelay;
  const fresh = (p: ProvablePrice) => p.publishTime + timing.maxPriceAge > now;
  const fill = (p: ProvablePrice, priceData = p.priceData, updateFee = p.updateFee): OrderPlan => ({
    action: "execute",
    priceData,
    updateFee,
    priceWad: p.priceWad,
  });

  if (order.kind === OrderKind.Market) {
    const first = await source.firstAtOrAfter(notBefore);
    if (!first) return wait("no price published since the request yet");
    // Only the first price may fill it: a stale one can never, so the order waits for its expiry.
    return fresh(first) ? fill(first) : wait("its price is older than maxPriceAge; cancelled at expiry");
  }
  if (order.kind === OrderKind.Limit) {
    const latest = await source.latestSince(notBefore);
    if (!latest || !fresh(latest)) return wait("no fresh price since the request");
    const reached = order.sizeDelta > 0n ? latest.priceWad <= order.acceptablePrice : latest.priceWad >= order.acceptablePrice;
    return reached ? fill(latest) : wait("limit not reached");
  }
  for (const trigger of await source.crossingsSince(notBefore, (p) => crossesTrigger(order, p))) {
    const after = await source.firstAtOrAfter(trigger.publishTime + timing.minExecutionDelay);
    if (after && fresh(after)) {
      const proof = encodeAbiParameters([{ type: "bytes" }, { type: "bytes" }], [trigger.priceData, after.priceData]);
      return fill(after, proof, trigger.updateFee + after.updateFee);
    }
  }
  return wait("trigger not crossed, or no fresh price after the crossing yet");
}
