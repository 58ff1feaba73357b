// Two-step trading from scripts and tests (ethers): build an order request, prove the first price
// round published after it, and execute it. The keeper does the same with viem (keeper/orders.ts).
import { AbiCoder, type ContractTransactionResponse } from "ethers";
import type { OrderRequest } from "../../sdk/src/types.ts";

/** The struct createOrder takes (contracts/types/PerpTypes.sol OrderRequest), typed from the SDK's ABI. */
export type { OrderRequest };

export const OrderKind = { Market: 0, Limit: 1, StopLoss: 2, TakeProfit: 3 } as const;
export type OrderKind = (typeof OrderKind)[keyof typeof OrderKind];

const MAX_PRICE = 2n ** 128n - 1n;

/**
 * A market order with no price bound unless one is given: buys accept any price, sells any above 0.
 * `expiresAt` defaults to an hour after `now`.
 */
export function marketOrder(fields: Partial<OrderRequest> & { marketId: number; executionFee: bigint; now: bigint }): OrderRequest {
  const { now, ...rest } = fields;
  const sizeDelta = rest.sizeDelta ?? 0n;
  return {
    kind: OrderKind.Market,
    reduceOnly: false,
    sizeDelta,
    marginIn: 0n,
    marginOut: 0n,
    acceptablePrice: sizeDelta > 0n ? MAX_PRICE : 0n,
    triggerPrice: 0n,
    expiresAt: now + 3600n,
    ...rest,
  };
}

/** The priceData a Chainlink market's order is proven with: the round id. */
export function chainlinkProof(roundId: bigint): string {
  return AbiCoder.defaultAbiCoder().encode(["uint80"], [roundId]);
}

/** A stop-loss or take-profit proof: the round that crossed the trigger, then the round that fills. */
export function triggerProof(triggerData: string, fillData: string): string {
  return AbiCoder.defaultAbiCoder().encode(["bytes", "bytes"], [triggerData, fillData]);
}

/** The id createOrder returned, read from its OrderCreated event. */
export async function createdOrderId(
  engine: { interface: { parseLog(log: { topics: readonly string[]; data: string }): { name: string; args: any } | null } },
  tx: ContractTransactionResponse,
): Promise<bigint> {
  const receipt = await tx.wait();
  for (const log of receipt!.logs) {
    const parsed = engine.interface.parseLog(log);
    if (parsed?.name === "OrderCreated") return parsed.args.orderId as bigint;
  }
  throw new Error(`no OrderCreated event in ${tx.hash}`);
}
