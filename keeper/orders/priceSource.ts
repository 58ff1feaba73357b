// The seam between order execution and a market's price feed. An order fills only at a price its
// market's oracle adapter can prove was published after the request (IPriceOracle.provenPrice), so
// the keeper asks the feed the same questions the adapter checks. Chainlink answers from the
// feed's own rounds (chainlinkPrices.ts); a Pyth market from its Hermes-compatible endpoint
// (config.hermesEndpoints, pythOrderPrices.ts).
import type { PriceProof } from "../prices/priceProof.ts";

/** A price, the priceData that proves it (keeper/prices/priceProof.ts), and the fee that proof costs. */
export interface ProvablePrice extends PriceProof {
  /** The native-token fee provenPrice needs for priceData (Pyth's update fee; 0 for Chainlink). */
  updateFee: bigint;
}

export interface OrderPriceSource {
  /** Reads the feed's latest state; called once per tick before the questions below. */
  refresh(): Promise<void>;
  /** The first price published at or after `notBefore` (what fills a market order), if there is one yet. */
  firstAtOrAfter(notBefore: number): Promise<ProvablePrice | undefined>;
  /** The latest price, if it was published at or after `notBefore` (what a limit order can fill at). */
  latestSince(notBefore: number): Promise<ProvablePrice | undefined>;
  /** Prices published at or after `notBefore` that satisfy `crossed`, oldest first (a stop's trigger). */
  crossingsSince(notBefore: number, crossed: (priceWad: bigint) => boolean): Promise<ProvablePrice[]>;
}
