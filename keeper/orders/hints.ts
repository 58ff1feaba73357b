// The ADL queue hint for an order's position after its fill: the neighbour it will be linked
// after, found by PerpLens.adlInsertHint (a view that walks the bucket, free in an eth_call) for
// the bucket and key client/predict.ts predicts. A zero or stale hint is always valid, but the
// engine then walks the bucket on-chain at about 5k gas a place (AdlQueue._place); a prediction off
// by a neighbour (the funding accrued by the next block) costs a step or two.
import type { PublicClient } from "viem";
import { bucketOf } from "../../client/adl.ts";
import * as math from "../../client/math.ts";
import { predictTrade } from "../../client/predict.ts";
import type { MarketConfig, MarketState } from "../../sdk/src/types.ts";
import { type ProtocolReader, protocolReader } from "../contracts.ts";
import type { PendingOrder } from "./orderBook.ts";

export const NO_HINT = 0;

export class HintFinder {
  private readonly read: ProtocolReader;
  private valueDivisor: bigint | undefined;

  constructor(client: PublicClient, engine: `0x${string}`, lens: `0x${string}`) {
    this.read = protocolReader(client, { engine, lens });
  }

  /** The hint for `order` filled at `priceWad` in a block at `timestamp`; NO_HINT when the fill closes the position. */
  async hint(order: PendingOrder, priceWad: bigint, timestamp: bigint): Promise<number> {
    const { engine, lens } = this.read;
    this.valueDivisor ??= await engine.valueDivisor();
    const positionId = await engine.positionIdFor([order.account, order.marketId]);
    // An account that never deposited has no position id; its fill reverts anyway.
    if (positionId === 0n) return NO_HINT;
    const [position, market, config] = await Promise.all([
      engine.position([positionId]),
      engine.marketState([order.marketId]),
      engine.marketConfig([order.marketId]),
    ]);
    let sizeDelta = order.sizeDelta;
    // A reduce-only order closes at most the position (OrderModule._reduceOnlyDelta).
    if (order.reduceOnly && math.abs(sizeDelta) >= math.abs(position.size)) sizeDelta = -position.size;
    if (position.size + sizeDelta === 0n) return NO_HINT;
    const params = { ...config, valueDivisor: this.valueDivisor };
    const after = predictTrade(
      position,
      market,
      params,
      { sizeDelta, marginIn: order.marginIn, marginOut: order.marginOut },
      priceWad,
      timestamp,
    );
    const margin = after.margin - this.impact(market, config, sizeDelta, priceWad);
    const bucket = bucketOf(math.abs(after.size), margin < 0n ? 0n : margin, this.valueDivisor);
    return lens.adlInsertHint([order.marketId, after.size > 0n, bucket, after.k, positionId]);
  }

  /** The price impact the fill pays (positive) or is rebated (negative), exactly as the engine
   * computes it (client/math.ts priceImpact): it moves the margin, hence possibly the bucket. */
  private impact(market: MarketState, config: MarketConfig, sizeDelta: bigint, price: bigint) {
    const skew = market.longSize - market.shortSize;
    return math.priceImpact(skew, sizeDelta, price, config.impactSkewScale, this.valueDivisor!, market.impactPool);
  }
}
