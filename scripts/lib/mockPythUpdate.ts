import { encodeAbiParameters, type Hex } from "viem";

/** One Pyth price as a publisher would sign it: `price * 10**expo`, with its confidence interval. */
export interface PythPricePoint {
  /** The feed id, 32 bytes hex. */
  id: Hex;
  price: bigint;
  conf: bigint;
  expo: number;
  publishTime: number;
  /** The publish time of the feed's update before this one; uniqueness checks compare against it. */
  prevPublishTime: number;
}

const PRICE = {
  type: "tuple",
  components: [
    { name: "price", type: "int64" },
    { name: "conf", type: "uint64" },
    { name: "expo", type: "int32" },
    { name: "publishTime", type: "uint256" },
  ],
} as const;

const PRICE_FEED_UPDATE = [
  {
    type: "tuple",
    components: [
      { name: "id", type: "bytes32" },
      { name: "price", ...PRICE },
      { name: "emaPrice", ...PRICE },
    ],
  },
  { name: "prevPublishTime", type: "uint64" },
] as const;

/**
 * The update bytes MockPyth accepts: abi.encode(PythStructs.PriceFeed, uint64 prevPublishTime),
 * as MockPyth.createPriceFeedUpdateData builds them. The EMA price repeats the price, which no
 * adapter here reads. Real Pyth updates are Wormhole-signed accumulator messages instead.
 */
export function encodeMockPythUpdate(point: PythPricePoint): Hex {
  const price = { price: point.price, conf: point.conf, expo: point.expo, publishTime: BigInt(point.publishTime) };
  return encodeAbiParameters(PRICE_FEED_UPDATE, [{ id: point.id, price, emaPrice: price }, BigInt(point.prevPublishTime)]);
}
