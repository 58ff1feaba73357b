// Pyth prices are pulled: a Pyth market's stored price is only as fresh as the last update someone
// pushed, and liquidation and ADL read the stored price. So before each tick's liquidation scan the
// keeper pushes, for every market it has a Hermes endpoint for, the latest signed update when it is
// newer than the stored one (PythPriceOracle.updatePrice, paying Pyth's fee): the tick's
// liquidations then carry the freshest price the keeper can prove.
import type { Logger } from "pino";
import { type Hex, type PublicClient, decodeAbiParameters } from "viem";
import type { AddressBook } from "../scripts/lib/addressBook.ts";
import { perpEngineAbi, pythPriceOracleAbi } from "../sdk/src/abis.ts";
import { contractCall } from "./contracts.ts";
import type { KeeperMetrics } from "./metrics.ts";
import { PythPriceFetcher } from "./prices/pythPrices.ts";
import type { TransactionSender } from "./sender.ts";

interface PythMarket {
  marketId: number;
  oracle: `0x${string}`;
  priceId: Hex;
  hermes: PythPriceFetcher;
}

export class PythPricePusher {
  private readonly markets = new Map<number, PythMarket>();
  private readonly client: PublicClient;
  private readonly book: AddressBook;
  private readonly sender: TransactionSender;
  private readonly hermesEndpoints: Record<string, string>;
  private readonly metrics: KeeperMetrics;
  private readonly log: Logger;

  constructor(deps: {
    client: PublicClient;
    book: AddressBook;
    sender: TransactionSender;
    hermesEndpoints: Record<string, string>;
    metrics: KeeperMetrics;
    log: Logger;
  }) {
    ({ client: this.client, book: this.book, sender: this.sender, hermesEndpoints: this.hermesEndpoints } = deps);
    ({ metrics: this.metrics, log: this.log } = deps);
  }

  /** Pushes each configured market's newer update; one market failing never stops the others or the tick. */
  async push(): Promise<void> {
    for (const marketId of Object.keys(this.hermesEndpoints).map(Number)) {
      await this.pushMarket(marketId).catch((error: unknown) => {
        this.metrics.pythUpdatesPushed.inc({ outcome: "error" });
        this.log.warn({ marketId, err: error instanceof Error ? error.message : String(error) }, "pyth price update not pushed");
      });
    }
  }

  private async pushMarket(marketId: number) {
    const market = await this.market(marketId);
    const [latest, stored] = await Promise.all([
      market.hermes.latestProof(market.priceId),
      this.client.readContract({ address: market.oracle, abi: pythPriceOracleAbi, functionName: "latestPublishTime" }),
    ]);
    if (BigInt(latest.publishTime) <= stored) return;
    const [updates] = decodeAbiParameters([{ type: "bytes[]" }], latest.priceData);
    const fee = await this.client.readContract({
      address: market.oracle,
      abi: pythPriceOracleAbi,
      functionName: "updateFee",
      args: [latest.priceData],
    });
    const outcome = await this.sender.send(
      contractCall({ address: market.oracle, abi: pythPriceOracleAbi, functionName: "updatePrice", args: [updates], value: fee }),
    );
    this.metrics.pythUpdatesPushed.inc({ outcome: outcome.status });
    this.log.info({ marketId, publishTime: latest.publishTime, outcome: outcome.status }, "pyth price update pushed");
  }

  private async market(marketId: number): Promise<PythMarket> {
    const known = this.markets.get(marketId);
    if (known) return known;
    const { oracle } = await this.client.readContract({
      address: this.book.engine,
      abi: perpEngineAbi,
      functionName: "marketConfig",
      args: [marketId],
    });
    const priceId = await this.client.readContract({ address: oracle, abi: pythPriceOracleAbi, functionName: "priceId" });
    const market = { marketId, oracle, priceId, hermes: new PythPriceFetcher({ endpoint: this.hermesEndpoints[String(marketId)] }) };
    this.markets.set(marketId, market);
    return market;
  }
}
