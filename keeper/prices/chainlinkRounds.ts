// Chainlink round proofs for orders: the round an order must fill at is the first one published at
// or after its request, found by walking back from the latest round.
import { type Address, encodeAbiParameters, type PublicClient } from "viem";
import { type PriceProof, scaledToWad } from "./priceProof.ts";

const aggregatorAbi = [
  {
    type: "function",
    name: "latestRoundData",
    stateMutability: "view",
    inputs: [],
    outputs: [
      { name: "roundId", type: "uint80" },
      { name: "answer", type: "int256" },
      { name: "startedAt", type: "uint256" },
      { name: "updatedAt", type: "uint256" },
      { name: "answeredInRound", type: "uint80" },
    ],
  },
  {
    type: "function",
    name: "getRoundData",
    stateMutability: "view",
    inputs: [{ name: "roundId", type: "uint80" }],
    outputs: [
      { name: "roundId", type: "uint80" },
      { name: "answer", type: "int256" },
      { name: "startedAt", type: "uint256" },
      { name: "updatedAt", type: "uint256" },
      { name: "answeredInRound", type: "uint80" },
    ],
  },
  { type: "function", name: "decimals", stateMutability: "view", inputs: [], outputs: [{ name: "", type: "uint8" }] },
] as const;

/** The feed has no round at or after the time asked for, or too many to walk back through. */
export class ChainlinkRoundError extends Error {}

export interface RoundSearchOptions {
  /** The feed's decimals, if known, saving one call. */
  decimals?: number;
  /** How many rounds to walk back at most; an order that old has expired long before. */
  maxRounds?: number;
}

/** The round id's aggregator part: the top 16 bits of a round id are its phase. */
const aggregatorRound = (roundId: bigint) => roundId & ((1n << 64n) - 1n);

/**
 * The first round published at or after `notBefore`, as ChainlinkPriceOracle.provenPrice checks it
 * with `firstAfter`: its predecessor was published before `notBefore`, or it opens its phase.
 */
export async function firstRoundAtOrAfter(
  client: PublicClient,
  feed: Address,
  notBefore: number,
  options: RoundSearchOptions = {},
): Promise<PriceProof> {
  const maxRounds = options.maxRounds ?? 256;
  const decimals = options.decimals ?? (await client.readContract({ address: feed, abi: aggregatorAbi, functionName: "decimals" }));
  let [roundId, answer, , updatedAt] = await client.readContract({ address: feed, abi: aggregatorAbi, functionName: "latestRoundData" });
  if (updatedAt < BigInt(notBefore)) {
    throw new ChainlinkRoundError(`feed ${feed} has no round at or after ${notBefore} yet (latest ${roundId} at ${updatedAt})`);
  }
  for (let step = 0; aggregatorRound(roundId) > 1n; step++) {
    if (step === maxRounds) throw new ChainlinkRoundError(`feed ${feed}: more than ${maxRounds} rounds since ${notBefore}`);
    const [, prevAnswer, , prevUpdatedAt] = await client.readContract({
      address: feed,
      abi: aggregatorAbi,
      functionName: "getRoundData",
      args: [roundId - 1n],
    });
    if (prevUpdatedAt < BigInt(notBefore)) break;
    [roundId, answer, updatedAt] = [roundId - 1n, prevAnswer, prevUpdatedAt];
  }
  return {
    priceData: encodeAbiParameters([{ type: "uint80" }], [roundId]),
    publishTime: Number(updatedAt),
    priceWad: scaledToWad(answer, -decimals),
  };
}
