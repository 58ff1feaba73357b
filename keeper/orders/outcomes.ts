// What an executeOrders transaction did for this keeper, read from its logs: orders filled,
// cancelled (with the decoded reason) and skipped, the fees credited, and each fill's delay from
// request to execution in chain time.
import { type Hex, type Log, isAddressEqual, parseEventLogs } from "viem";
import { perpEngineAbi } from "../../sdk/src/abis.ts";
import { protocolErrorName } from "../protocolErrors.ts";

export interface OrderOutcomes {
  executed: bigint[];
  cancelled: { orderId: bigint; reason: string }[];
  skipped: { orderId: bigint; reason: string }[];
  /** Execution fees credited to this keeper, token atoms. */
  feesEarned: bigint;
}

/** The custom error's name in a revert (an OrderCancelled or OrderSkipped reason). */
export function reasonName(data: Hex): string {
  if (data === "0x") return "none";
  return protocolErrorName(data) ?? "unknown";
}

export function orderOutcomes(logs: Log[], keeper: `0x${string}`): OrderOutcomes {
  const outcomes: OrderOutcomes = { executed: [], cancelled: [], skipped: [], feesEarned: 0n };
  const events = parseEventLogs({ abi: perpEngineAbi, logs, eventName: ["OrderExecuted", "OrderCancelled", "OrderSkipped"] });
  for (const event of events) {
    if (event.eventName === "OrderExecuted" && isAddressEqual(event.args.executor, keeper)) {
      outcomes.executed.push(event.args.orderId);
      outcomes.feesEarned += event.args.executionFee;
    } else if (event.eventName === "OrderCancelled" && isAddressEqual(event.args.cancelledBy, keeper)) {
      outcomes.cancelled.push({ orderId: event.args.orderId, reason: reasonName(event.args.reason) });
      outcomes.feesEarned += event.args.executorFee;
    } else if (event.eventName === "OrderSkipped") {
      outcomes.skipped.push({ orderId: event.args.orderId, reason: reasonName(event.args.reason) });
    }
  }
  return outcomes;
}
