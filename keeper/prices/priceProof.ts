import type { Hex } from "viem";

/**
 * What a keeper passes to IPriceOracle.provenPrice to fill an order or liquidate, and what it
 * proves. Chainlink: priceData = abi.encode(uint80 roundId). Pyth: abi.encode(bytes[] updateData).
 */
export interface PriceProof {
  priceData: Hex;
  /** When the proven price was published (unix seconds). */
  publishTime: number;
  /** The price the adapter will return, as a WAD (rounded down like the adapters). */
  priceWad: bigint;
}

/** `mantissa * 10**exponent` as a WAD, rounded down as PythPriceMath and ChainlinkPriceOracle do. */
export function scaledToWad(mantissa: bigint, exponent: number): bigint {
  const shift = exponent + 18;
  return shift >= 0 ? mantissa * 10n ** BigInt(shift) : mantissa / 10n ** BigInt(-shift);
}
