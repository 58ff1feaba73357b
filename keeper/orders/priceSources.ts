// The price source of each market's orders, by its oracle adapter: for a market given a Hermes
// endpoint (config.hermesEndpoints), Pyth through that endpoint and the adapter's priceId;
// otherwise the Chainlink feed behind its ChainlinkPriceOracle. Sources are kept per oracle
// address, so a market whose oracle the owner replaces gets a new one.
import { BaseError, ContractFunctionRevertedError, ContractFunctionZeroDataError, type PublicClient, erc20Abi } from "viem";
import { chainlinkPriceOracleAbi, perpEngineAbi, pythPriceOracleAbi } from "../../sdk/src/abis.ts";
import { PythPriceError, PythPriceFetcher } from "../prices/pythPrices.ts";
import { ChainlinkOrderPrices } from "./chainlinkPrices.ts";
import type { OrderPriceSource } from "./priceSource.ts";
import { PythOrderPrices } from "./pythOrderPrices.ts";

/** A market-level failure: its contracts revert or answer nothing, or its Hermes endpoint fails. Not the RPC's fault. */
export const priceSourceFailure = (error: unknown): string | undefined => {
  if (error instanceof PythPriceError) return error.message;
  const contract =
    error instanceof BaseError &&
    error.walk((e) => e instanceof ContractFunctionRevertedError || e instanceof ContractFunctionZeroDataError) !== null;
  return contract ? (error as BaseError).shortMessage : undefined;
};

export class OrderPriceSources {
  private readonly client: PublicClient;
  private readonly engine: `0x${string}`;
  private readonly hermes = new Map<string, PythPriceFetcher>();
  private readonly byOracle = new Map<string, OrderPriceSource>();

  constructor(client: PublicClient, engine: `0x${string}`, hermesEndpoints: Record<string, string>) {
    this.client = client;
    this.engine = engine;
    for (const [marketId, endpoint] of Object.entries(hermesEndpoints)) this.hermes.set(marketId, new PythPriceFetcher({ endpoint }));
  }

  /**
   * Each market's source, refreshed to the feed's latest state. A market whose source fails
   * (priceSourceFailure: a broken feed, a Pyth adapter with no endpoint configured, Hermes down)
   * is left out, so its orders wait and the other markets' go on; `failed` hears why. An RPC fault
   * fails the call.
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
            const failure = priceSourceFailure(error);
            if (failure === undefined) throw error;
            return { id, error: failure };
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
    const { oracle } = await this.client.readContract({
      address: this.engine,
      abi: perpEngineAbi,
      functionName: "marketConfig",
      args: [marketId],
    });
    const known = this.byOracle.get(oracle);
    if (known) return known;
    const hermes = this.hermes.get(String(marketId));
    let source: OrderPriceSource;
    if (hermes) {
      const priceId = await this.client.readContract({ address: oracle, abi: pythPriceOracleAbi, functionName: "priceId" });
      source = new PythOrderPrices(this.client, oracle, priceId, hermes);
    } else {
      const feed = await this.client.readContract({ address: oracle, abi: chainlinkPriceOracleAbi, functionName: "feed" });
      // AggregatorV3Interface.decimals has the same signature as ERC-20's.
      const decimals = await this.client.readContract({ address: feed, abi: erc20Abi, functionName: "decimals" });
      source = new ChainlinkOrderPrices(this.client, feed, decimals);
    }
    this.byOracle.set(oracle, source);
    return source;
  }
}
