// The price source of each market's orders, by its oracle adapter: the Chainlink feed behind a
// ChainlinkPriceOracle, or, for a market given a Hermes endpoint (config.hermesEndpoints), Pyth.
// Sources are kept per oracle address, so a market whose oracle the owner replaces gets a new one.
import { type PublicClient, erc20Abi } from "viem";
import { ConfigError } from "../config.ts";
import { engineAbi, oracleAbi } from "../contracts.ts";
import { ChainlinkOrderPrices } from "./chainlinkPrices.ts";
import type { OrderPriceSource } from "./priceSource.ts";

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

  /** Each market's source, refreshed to the feed's latest state. */
  async refreshed(marketIds: Iterable<number>): Promise<Map<number, OrderPriceSource>> {
    const ids = [...new Set(marketIds)];
    const sources = await Promise.all(ids.map((id) => this.sourceOf(id)));
    await Promise.all([...new Set(sources)].map((s) => s.refresh()));
    return new Map(ids.map((id, i) => [id, sources[i]]));
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
