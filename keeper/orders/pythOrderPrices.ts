// Order prices for a Pyth market, fetched from its Hermes-compatible endpoint (keeper/prices/
// pythPrices.ts) and proven to PythPriceOracle by the signed update itself, which costs Pyth's
// update fee. Hermes answers "the first update at or after a time" directly; it has no cheap
// history to scan, so a stop's trigger is looked for in the latest update only (a crossing that
// reverted between two ticks is missed; Chainlink markets scan every round since the request).
import type { Hex, PublicClient } from "viem";
import { pythPriceOracleAbi } from "../../sdk/src/abis.ts";
import type { PriceProof } from "../prices/priceProof.ts";
import type { PythPriceFetcher } from "../prices/pythPrices.ts";
import type { OrderPriceSource, ProvablePrice } from "./priceSource.ts";

/** First-update answers remembered (by time asked): an order asks the same question every tick. */
const MAX_CACHED_ANSWERS = 1_000;

export class PythOrderPrices implements OrderPriceSource {
  private readonly client: PublicClient;
  private readonly oracle: `0x${string}`;
  private readonly priceId: Hex;
  private readonly hermes: PythPriceFetcher;
  private latest: ProvablePrice | undefined;
  private readonly firstAfter = new Map<number, ProvablePrice>();

  constructor(client: PublicClient, oracle: `0x${string}`, priceId: Hex, hermes: PythPriceFetcher) {
    this.client = client;
    this.oracle = oracle;
    this.priceId = priceId;
    this.hermes = hermes;
  }

  async refresh() {
    this.latest = await this.provable(await this.hermes.latestProof(this.priceId));
  }

  async firstAtOrAfter(notBefore: number) {
    // Asking Hermes for a time after its latest update would be a 404: nothing to fill with yet.
    if (!this.latest || this.latest.publishTime < notBefore) return undefined;
    const cached = this.firstAfter.get(notBefore);
    if (cached) return cached;
    const first = await this.provable(await this.hermes.proofAfter(this.priceId, notBefore));
    if (this.firstAfter.size >= MAX_CACHED_ANSWERS) this.firstAfter.clear();
    this.firstAfter.set(notBefore, first);
    return first;
  }

  async latestSince(notBefore: number) {
    return this.latest && this.latest.publishTime >= notBefore ? this.latest : undefined;
  }

  async crossingsSince(notBefore: number, crossed: (priceWad: bigint) => boolean) {
    const latest = await this.latestSince(notBefore);
    return latest && crossed(latest.priceWad) ? [latest] : [];
  }

  /** The proof with the fee the adapter charges for it (Pyth's, per update). */
  private async provable(proof: PriceProof): Promise<ProvablePrice> {
    const updateFee = await this.client.readContract({
      address: this.oracle,
      abi: pythPriceOracleAbi,
      functionName: "updateFee",
      args: [proof.priceData],
    });
    return { ...proof, updateFee };
  }
}
