// What an executeOrders transaction did for this keeper, read from its logs: orders filled,
// cancelled (with the decoded reason) and skipped, the fees credited, and each fill's delay from
// request to execution in chain time.
import { type Hex, type Log, decodeErrorResult, isAddressEqual, parseEventLogs } from "viem";
import { engineAbi } from "../contracts.ts";

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
  try {
    return decodeErrorResult({ abi: engineAbi, data }).errorName;
  } catch {
    return "unknown";
  }
}

export function orderOutcomes(logs: Log[], keeper: `0x${string}`): OrderOutcomes {
  const outcomes: OrderOutcomes = { executed: [], cancelled: [], skipped: [], feesEarned: 0n };
  for (const event of parseEventLogs({ abi: engineAbi, logs })) {
    const args = event.args as Record<string, unknown>;
    if (event.eventName === "OrderExecuted" && isAddressEqual(args.executor as Hex, keeper)) {
      outcomes.executed.push(args.orderId as bigint);
      outcomes.feesEarned += args.executionFee as bigint;
    } else if (event.eventName === "OrderCancelled" && isAddressEqual(args.cancelledBy as Hex, keeper)) {
      outcomes.cancelled.push({ orderId: args.orderId as bigint, reason: reasonName(args.reason as Hex) });
      outcomes.feesEarned += args.executorFee as bigint;
    } else if (event.eventName === "OrderSkipped") {
      outcomes.skipped.push({ orderId: args.orderId as bigint, reason: reasonName(args.reason as Hex) });
    }
  }
  return outcomes;
}
