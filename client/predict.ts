// Predicts a position's state after a trade, so a client can compute the ADL queue hint to send
// with it. Exact when `timestamp` is the block timestamp the trade is mined at.
import { bucketOf } from "./adl.ts";
import * as math from "./math.ts";

export interface PositionState {
  size: bigint;
  margin: bigint;
  entryPrice: bigint;
  fundingSnapshot: bigint;
}

export interface MarketFundingState {
  fundingIndex: bigint;
  lastFundingTime: bigint;
  longSize: bigint;
  shortSize: bigint;
}

export interface TradeParams {
  tradingFeeRate: bigint;
  maxFundingRatePerSecond: bigint;
  skewScale: bigint;
  valueDivisor: bigint;
}

export interface Trade {
  sizeDelta: bigint;
  marginIn: bigint;
  marginOut: bigint;
}

/** The funding index the market will have at `timestamp`, accrued at `price`. */
export function fundingIndexAt(market: MarketFundingState, params: TradeParams, price: bigint, timestamp: bigint): bigint {
  const rate = math.fundingRate(params.maxFundingRatePerSecond, params.skewScale, market.longSize, market.shortSize);
  return math.fundingIndexAfter(market.fundingIndex, rate, price, timestamp - market.lastFundingTime);
}

/**
 * The position after `trade` at `price` mined at `timestamp`, with its ADL bucket and key.
 * Mirrors Trading._trade: funding settles into the margin, increases average the entry against the
 * trader, reductions realise PnL into the margin, and the fee comes out of the margin.
 */
export function predictTrade(
  position: PositionState,
  market: MarketFundingState,
  params: TradeParams,
  trade: Trade,
  price: bigint,
  timestamp: bigint,
) {
  const index = fundingIndexAt(market, params, price, timestamp);
  const d = params.valueDivisor;
  let margin = position.margin + trade.marginIn - trade.marginOut + math.traderValue(position.size, position.fundingSnapshot - index, d);
  let { size, entryPrice } = position;
  if (trade.sizeDelta !== 0n) {
    const newSize = size + trade.sizeDelta;
    if (size === 0n || size > 0n === trade.sizeDelta > 0n) {
      const weighted = math.abs(size) * entryPrice + math.abs(trade.sizeDelta) * price;
      entryPrice = newSize > 0n ? math.divCeil(weighted, math.abs(newSize)) : weighted / math.abs(newSize);
    } else {
      margin += math.traderValue(-trade.sizeDelta, price - entryPrice, d);
    }
    margin -= math.mulWadUp(math.notionalUp(trade.sizeDelta, price, d), params.tradingFeeRate);
    size = newSize;
  }
  const k = entryPrice - index;
  return { size, margin, entryPrice, fundingSnapshot: index, k, bucket: bucketOf(math.abs(size), margin < 0n ? 0n : margin, d) };
}
