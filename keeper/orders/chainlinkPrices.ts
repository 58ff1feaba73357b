// Order prices from a Chainlink feed's rounds, proven to ChainlinkPriceOracle by round id. The
// first round at or after a time is found by walking back from latestRoundData with getRoundData,
// the way the adapter checks it: a round is first when its predecessor was published before the
// time (or it opens its phase). A round never changes once published, so each is read once.
import { type PublicClient, encodeAbiParameters } from "viem";
import { scaledToWad } from "../prices/priceProof.ts";
import { revertName } from "../sender.ts";
import type { OrderPriceSource, ProvablePrice } from "./priceSource.ts";

const roundOutputs = [
  { name: "roundId", type: "uint80" },
  { name: "answer", type: "int256" },
  { name: "startedAt", type: "uint256" },
  { name: "updatedAt", type: "uint256" },
  { name: "answeredInRound", type: "uint80" },
] as const;
const aggregatorAbi = [
  { type: "function", name: "latestRoundData", stateMutability: "view", inputs: [], outputs: roundOutputs },
  { type: "function", name: "getRoundData", stateMutability: "view", inputs: [{ name: "roundId", type: "uint80" }], outputs: roundOutputs },
] as const;

/** Rounds walked back per question: an order older than this many rounds has a price too old to fill (maxPriceAge). */
const MAX_ROUNDS_BACK = 256;
/** Rounds remembered; past this the cache starts over (it only saves reads). */
const MAX_CACHED_ROUNDS = 10_000;

interface Round {
  roundId: bigint;
  answer: bigint;
  updatedAt: number;
}

/** The aggregator's own round number: the top 16 bits of a Chainlink round id are its phase. */
const aggregatorRound = (roundId: bigint) => roundId & ((1n << 64n) - 1n);

export class ChainlinkOrderPrices implements OrderPriceSource {
  private readonly client: PublicClient;
  private readonly feed: `0x${string}`;
  private readonly decimals: number;
  private latest: Round | undefined;
  private readonly rounds = new Map<bigint, Round | null>();

  /** `decimals`: the feed's, to scale answers to WAD as the adapter does. */
  constructor(client: PublicClient, feed: `0x${string}`, decimals: number) {
    this.client = client;
    this.feed = feed;
    this.decimals = decimals;
  }

  async refresh() {
    const [roundId, answer, , updatedAt] = await this.client.readContract({
      address: this.feed,
      abi: aggregatorAbi,
      functionName: "latestRoundData",
    });
    this.latest = { roundId, answer, updatedAt: Number(updatedAt) };
  }

  async firstAtOrAfter(notBefore: number) {
    const { rounds, complete } = await this.roundsSince(notBefore);
    return complete && rounds.length > 0 ? this.provable(rounds[0]) : undefined;
  }

  async latestSince(notBefore: number) {
    const latest = this.latestRound();
    return latest.updatedAt >= notBefore ? this.provable(latest) : undefined;
  }

  async crossingsSince(notBefore: number, crossed: (priceWad: bigint) => boolean) {
    const { rounds } = await this.roundsSince(notBefore);
    return rounds.map((r) => this.provable(r)).filter((p) => crossed(p.priceWad));
  }

  /**
   * The rounds published at or after `notBefore`, oldest first; `complete` when the oldest is
   * provably the first (its predecessor is older, or it opens its phase), as provenPrice checks.
   */
  private async roundsSince(notBefore: number): Promise<{ rounds: Round[]; complete: boolean }> {
    const newestFirst: Round[] = [];
    let round = this.latestRound();
    for (let step = 0; round.updatedAt >= notBefore; step++) {
      newestFirst.push(round);
      if (aggregatorRound(round.roundId) <= 1n) return { rounds: newestFirst.reverse(), complete: true };
      if (step === MAX_ROUNDS_BACK) return { rounds: newestFirst.reverse(), complete: false };
      const previous = await this.round(round.roundId - 1n);
      // A predecessor the feed cannot return cannot be compared with: the adapter would revert too.
      if (!previous) return { rounds: newestFirst.reverse(), complete: false };
      round = previous;
    }
    return { rounds: newestFirst.reverse(), complete: true };
  }

  private latestRound(): Round {
    if (!this.latest) throw new Error(`feed ${this.feed}: refresh() before asking for prices`);
    return this.latest;
  }

  private async round(roundId: bigint): Promise<Round | null> {
    const cached = this.rounds.get(roundId);
    if (cached !== undefined) return cached;
    if (this.rounds.size >= MAX_CACHED_ROUNDS) this.rounds.clear();
    const read = await this.client
      .readContract({ address: this.feed, abi: aggregatorAbi, functionName: "getRoundData", args: [roundId] })
      .then(([id, answer, , updatedAt]) => ({ roundId: id, answer, updatedAt: Number(updatedAt) }))
      // A feed reverts for a round it does not have (a gap): remembered as missing.
      .catch((error: unknown) => {
        if (revertName(error) !== undefined) return null;
        throw error; // the RPC, not the feed: the tick fails and is retried
      });
    this.rounds.set(roundId, read);
    return read;
  }

  /** Scaled to WAD and rounded down as ChainlinkPriceOracle does. */
  private provable(round: Round): ProvablePrice {
    return {
      priceData: encodeAbiParameters([{ type: "uint80" }], [round.roundId]),
      publishTime: round.updatedAt,
      priceWad: scaledToWad(round.answer, -this.decimals),
      updateFee: 0n,
    };
  }
}
