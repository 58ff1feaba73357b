// The price source of each market's orders, by its oracle adapter: the Chainlink feed behind a
// ChainlinkPriceOracle, or, for a market given a Hermes endpoint (config.hermesEndpoints), Pyth.
// Sources are kept per oracle address, so a market whose oracle the owner replaces gets a new one.
import { BaseError, ContractFunctionRevertedError, ContractFunctionZeroDataError, type PublicClient, erc20Abi } from "viem";
import { ConfigError } from "../config.ts";
import { engineAbi, oracleAbi } from "../contracts.ts";
import { ChainlinkOrderPrices } from "./chainlinkPrices.ts";
import type { OrderPriceSource } from "./priceSource.ts";

/** The contract answered with a revert, or with nothing (no such function): not the RPC's fault. */
const contractError = (error: unknown) =>
  error instanceof BaseError &&
  error.walk((e) => e instanceof ContractFunctionRevertedError || e instanceof ContractFunctionZeroDataError) !== null;

export class OrderPriceSources {
  private readonly client: PublicClient;
  private readonly engine: `0x${string}`;
  private readonly byOracle = new Map<string, OrderPriceSource>();

  constructor(client: PublicClient, engine: `0x${string}`, hermesEndpoints: Record<string, string>) {
    this.client = client;
    this.engine = engine;
    const pyth = Object.keys(hermesEndpoints);
    // Refused at start, not tick after tick: a Pyth market's orders would otherwise never execute.
    if (pyth.length > 0)
      throw new ConfigError(`hermesEndpoints: market ${pyth.join(", ")}: this keeper build has no Pyth order price source yet`);
  }

  /**
   * Each market's source, refreshed to the feed's latest state. A market whose oracle or feed
   * reverts (an adapter that is not Chainlink's, a broken feed) is left out, so its orders wait and
   * the other markets' go on; `failed` hears why. An RPC fault fails the call.
   */
  async refreshed(marketIds: Iterable<number>, failed: (marketId: number, error: string) => void): Promise<Map<number, OrderPriceSource>> {
    const ids = [...new Set(marketIds)];
    const results = await Promise.all(
      ids.map((id) =>
        this.sourceOf(id)
          .then(async (source) => {
            await source.refresh();
            return { id, source };
          })
          .catch((error: unknown) => {
            if (!contractError(error)) throw error;
            return { id, error: (error as BaseError).shortMessage };
          }),
      ),
    );
    const sources = new Map<number, OrderPriceSource>();
    for (const r of results) {
      if ("source" in r) sources.set(r.id, r.source);
      else failed(r.id, r.error);
    }
    return sources;
  }

  private async sourceOf(marketId: number): Promise<OrderPriceSource> {
    const { oracle } = (await this.client.readContract({
      address: this.engine,
      abi: engineAbi,
      functionName: "marketConfig",
      args: [marketId],
    })) as { oracle: `0x${string}` };
    const known = this.byOracle.get(oracle);
    if (known) return known;
    // A Pyth source (HermesClient against the market's configured Hermes endpoint, the adapter's
    // priceId) plugs in here; the constructor refuses any endpoint until it does.
    const feed = (await this.client.readContract({ address: oracle, abi: oracleAbi, functionName: "feed" })) as `0x${string}`;
    // AggregatorV3Interface.decimals has the same signature as ERC-20's.
    const decimals = await this.client.readContract({ address: feed, abi: erc20Abi, functionName: "decimals" });
    const source = new ChainlinkOrderPrices(this.client, feed, decimals);
    this.byOracle.set(oracle, source);
    return source;
  }
}
