// Pyth price proofs for orders and liquidations, fetched from a Hermes-compatible endpoint
// (Pyth's own, a provider's, or scripts/lib/hermesStandIn.ts locally).
import { HermesClient, type PriceUpdate } from "@pythnetwork/hermes-client";
import { encodeAbiParameters, type Hex } from "viem";
import { type PriceProof, scaledToWad } from "./priceProof.ts";

export interface HermesOptions {
  /** Base URL, e.g. https://hermes.pyth.network/ */
  endpoint: string;
  /** Per-request timeout; a slow Hermes must not hold up a keeper tick. */
  timeoutMs?: number;
  /** Retries after a failed or timed-out request; HermesClient backs off 100-200 ms, doubling. */
  retries?: number;
  headers?: Record<string, string>;
}

/** Hermes could not be reached, refused the request, or answered something unusable. */
export class PythPriceError extends Error {}

export class PythPriceFetcher {
  readonly #client: HermesClient;
  readonly #endpoint: string;
  readonly #timeoutMs: number;

  constructor(options: HermesOptions) {
    this.#endpoint = options.endpoint;
    this.#timeoutMs = options.timeoutMs ?? 3000;
    this.#client = new HermesClient(options.endpoint, {
      timeout: this.#timeoutMs,
      httpRetries: options.retries ?? 1,
      headers: options.headers,
    });
  }

  /** The first update published at or after `notBefore`: the only one that fills an order requested then. */
  async proofAfter(feedId: Hex, notBefore: number): Promise<PriceProof> {
    const update = await this.#request(`the update at or after ${notBefore}`, () =>
      this.#client.getPriceUpdatesAtTimestamp(notBefore, [feedId], { encoding: "hex", parsed: true }),
    );
    const proof = this.#proof(feedId, update);
    if (proof.publishTime < notBefore) {
      throw new PythPriceError(`Hermes at ${this.#endpoint} answered an update published at ${proof.publishTime}, before ${notBefore}`);
    }
    return proof;
  }

  /** The latest update, for a liquidation at the freshest price the keeper can prove. */
  async latestProof(feedId: Hex): Promise<PriceProof> {
    return this.#proof(
      feedId,
      await this.#request("the latest update", () => this.#client.getLatestPriceUpdates([feedId], { encoding: "hex", parsed: true })),
    );
  }

  async #request(what: string, call: () => Promise<PriceUpdate>): Promise<PriceUpdate> {
    try {
      return await call();
    } catch (error) {
      const reason =
        error instanceof Error && error.name === "TimeoutError"
          ? `did not answer within ${this.#timeoutMs} ms`
          : `failed: ${error instanceof Error ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ""}` : String(error)}`;
      throw new PythPriceError(`Hermes at ${this.#endpoint} ${reason}, fetching ${what}`, { cause: error });
    }
  }

  #proof(feedId: Hex, update: PriceUpdate): PriceProof {
    const key = feedId.toLowerCase().replace(/^0x/, "");
    const parsed = update.parsed?.find((p) => p.id.toLowerCase().replace(/^0x/, "") === key);
    if (!parsed || update.binary.data.length === 0) {
      throw new PythPriceError(`Hermes at ${this.#endpoint} answered no update for feed ${feedId}`);
    }
    const updateData = update.binary.data.map((hex) => (hex.startsWith("0x") ? hex : `0x${hex}`) as Hex);
    return {
      priceData: encodeAbiParameters([{ type: "bytes[]" }], [updateData]),
      publishTime: parsed.price.publish_time,
      priceWad: scaledToWad(BigInt(parsed.price.price), parsed.price.expo),
    };
  }
}
