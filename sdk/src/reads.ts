// Typed reads of the protocol for a frontend: balances, positions with health and ADL lights,
// market state, ADL queue tops and pending orders. Every call goes through a viem client.
import { erc20Abi, getAbiItem, type Address, type Client } from "viem";
import { getContractEvents, getLogs, readContract } from "viem/actions";
import { chainlinkPriceOracleAbi, liquidityVaultAbi, perpEngineAbi, perpLensAbi } from "./abis.js";
import type { ProtocolAddresses } from "./addresses.js";
import type {
  AdlFillArgs,
  AdlPosition,
  LiquidatedArgs,
  MarketAdlState,
  MarketConfig,
  MarketState,
  Order,
  Position,
  PositionHealth,
  TradePreview,
} from "./types.js";

export interface Balances {
  /** Collateral in the trader's wallet, token atoms. */
  wallet: bigint;
  /** What the engine may pull for a deposit. */
  allowance: bigint;
  /** The engine's free balance: deposited and not in a position or an order's escrow. */
  free: bigint;
  /** Liquidity-vault shares held, and what they are worth now. */
  vaultShares: bigint;
  vaultAssets: bigint;
}

export interface PositionView {
  positionId: bigint;
  marketId: number;
  position: Position;
  health: PositionHealth;
  adl: AdlPosition;
}

export interface MarketView {
  marketId: number;
  config: MarketConfig;
  state: MarketState;
  /** The oracle's last price (WAD) and whether it is fresh enough to trade on. */
  price: bigint;
  priceFresh: boolean;
  /** Funding per second (WAD, signed: longs pay when positive) at the current skew. */
  fundingRatePerSecond: bigint;
  adl: MarketAdlState;
  /** Insurance fund / open notional of all markets (WAD). */
  insuranceCoverage: bigint;
}

/** One entry of the engine's risk feed: a liquidation or an ADL fill, with where it happened. */
export type RiskEvent = {
  blockNumber: bigint;
  logIndex: number;
  transactionHash: `0x${string}`;
} & ({ eventName: "Liquidated"; args: LiquidatedArgs } | { eventName: "AdlFill"; args: AdlFillArgs });

const liquidatedEvent = getAbiItem({ abi: perpEngineAbi, name: "Liquidated" });
const adlFillEvent = getAbiItem({ abi: perpEngineAbi, name: "AdlFill" });

export interface PendingOrder {
  orderId: bigint;
  order: Order;
}

/** FundingLib.ratePerSecond: the maximum rate scaled by the skew, clamped to the maximum. */
export function fundingRatePerSecond(config: MarketConfig, state: MarketState): bigint {
  const max = config.maxFundingRatePerSecond;
  const rate = (max * (state.longSize - state.shortSize)) / config.skewScale;
  return rate > max ? max : rate < -max ? -max : rate;
}

export function createReader(client: Client, addresses: ProtocolAddresses) {
  const engine = { address: addresses.engine, abi: perpEngineAbi } as const;
  const lens = { address: addresses.lens, abi: perpLensAbi } as const;

  async function balances(account: Address): Promise<Balances> {
    const [wallet, allowance, free, vaultShares] = await Promise.all([
      readContract(client, { address: addresses.collateralToken, abi: erc20Abi, functionName: "balanceOf", args: [account] }),
      readContract(client, {
        address: addresses.collateralToken,
        abi: erc20Abi,
        functionName: "allowance",
        args: [account, addresses.engine],
      }),
      readContract(client, { ...engine, functionName: "freeBalance", args: [account] }),
      readContract(client, { address: addresses.vault, abi: liquidityVaultAbi, functionName: "balanceOf", args: [account] }),
    ]);
    const vaultAssets =
      vaultShares === 0n
        ? 0n
        : await readContract(client, {
            address: addresses.vault,
            abi: liquidityVaultAbi,
            functionName: "convertToAssets",
            args: [vaultShares],
          });
    return { wallet, allowance, free, vaultShares, vaultAssets };
  }

  /**
   * Position `positionId` with its health and ADL place, or null when it is not open (closed,
   * fully liquidated or deleveraged, or never opened): the lens has no ADL place for those.
   */
  async function positionById(positionId: bigint): Promise<PositionView | null> {
    const [stored, health] = await Promise.all([
      readContract(client, { ...engine, functionName: "position", args: [positionId] }),
      readContract(client, { ...lens, functionName: "positionHealth", args: [positionId] }),
    ]);
    if (stored.size === 0n) return null;
    const adl = await readContract(client, { ...lens, functionName: "positionAdl", args: [positionId] });
    return { positionId, marketId: stored.marketId, position: stored, health, adl };
  }

  /** The account's open position in `marketId` with its health and ADL place, or null when none is open. */
  async function position(account: Address, marketId: number): Promise<PositionView | null> {
    const positionId = await readContract(client, { ...engine, functionName: "positionIdOf", args: [account, marketId] });
    return positionId === 0n ? null : positionById(positionId);
  }

  /** Every open position of the account, one per market at most (margin is isolated per market). */
  async function positions(account: Address): Promise<PositionView[]> {
    const count = await readContract(client, { ...engine, functionName: "marketCount" });
    const all = await Promise.all(Array.from({ length: count }, (_, marketId) => position(account, marketId)));
    return all.filter((p): p is PositionView => p !== null);
  }

  async function market(marketId: number): Promise<MarketView> {
    const [config, state, adl, coverage] = await Promise.all([
      readContract(client, { ...engine, functionName: "marketConfig", args: [marketId] }),
      readContract(client, { ...engine, functionName: "marketState", args: [marketId] }),
      readContract(client, { ...lens, functionName: "marketAdlState", args: [marketId] }),
      readContract(client, { ...lens, functionName: "insuranceCoverage" }),
    ]);
    // The valuation price answers even when the feed is stale, so one dead feed cannot hide a market.
    // Every adapter implements IPriceOracle, so the Chainlink adapter's ABI reads a Pyth market too.
    const [price, priceFresh] = await readContract(client, {
      address: config.oracle,
      abi: chainlinkPriceOracleAbi,
      functionName: "valuationPrice",
    });
    return {
      marketId,
      config,
      state,
      price,
      priceFresh,
      fundingRatePerSecond: fundingRatePerSecond(config, state),
      adl,
      insuranceCoverage: coverage[2],
    };
  }

  /** The first `limit` positions ADL would hit on one side, best-ranked first, with their scores. */
  async function adlQueueTop(marketId: number, isLong: boolean, limit = 5) {
    const [ids, scores] = await readContract(client, { ...lens, functionName: "adlRanking", args: [marketId, isLong, BigInt(limit)] });
    return ids.map((positionId, i) => ({ positionId, score: scores[i] }));
  }

  /**
   * The first `limit` positions ADL would hit on one side, best-ranked first, each with its health
   * and ADL place (rank, score, the five-light quantile): what a queue display shows.
   */
  async function adlQueue(marketId: number, isLong: boolean, limit = 5): Promise<PositionView[]> {
    const top = await adlQueueTop(marketId, isLong, limit);
    const views = await Promise.all(top.map((entry) => positionById(entry.positionId)));
    // A position closed between the two reads drops out rather than failing the whole queue.
    return views.filter((v): v is PositionView => v !== null);
  }

  /**
   * The engine's liquidations and ADL fills in [fromBlock, toBlock], oldest first, in one eth_getLogs.
   * An RPC that limits log ranges needs the caller to page through them.
   */
  async function riskEvents(fromBlock: bigint, toBlock: bigint): Promise<RiskEvent[]> {
    const logs = await getLogs(client, {
      address: addresses.engine,
      events: [liquidatedEvent, adlFillEvent],
      fromBlock,
      toBlock,
      strict: true,
    });
    return logs
      .map(
        (log) =>
          ({
            blockNumber: log.blockNumber,
            logIndex: log.logIndex,
            transactionHash: log.transactionHash,
            eventName: log.eventName,
            args: log.args,
          }) as RiskEvent,
      )
      .sort((a, b) => (a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1));
  }

  /**
   * The account's orders still pending: those it created (OrderCreated, scanned from the deployment
   * block) that are neither executed nor cancelled yet. An RPC that limits eth_getLogs ranges needs
   * a later `fromBlock`, e.g. the block of the account's first deposit.
   */
  async function pendingOrders(account: Address, fromBlock = BigInt(addresses.deploymentBlock)): Promise<PendingOrder[]> {
    const created = await getContractEvents(client, { ...engine, eventName: "OrderCreated", args: { account }, fromBlock, strict: true });
    const orders = await Promise.all(
      created.map(async (log) => ({
        orderId: log.args.orderId,
        order: await readContract(client, { ...engine, functionName: "order", args: [log.args.orderId] }),
      })),
    );
    return orders.filter((o) => o.order.account !== "0x0000000000000000000000000000000000000000");
  }

  /** PerpLens.previewTrade: fill price with fee and impact, the position after, its ADL place and hint. */
  function previewTrade(account: Address, marketId: number, sizeDelta: bigint, marginDelta: bigint): Promise<TradePreview> {
    return readContract(client, { ...lens, functionName: "previewTrade", args: [account, marketId, sizeDelta, marginDelta] });
  }

  const orderSettings = () => readContract(client, { ...engine, functionName: "orderSettings" });

  return {
    balances,
    position,
    positionById,
    positions,
    market,
    adlQueueTop,
    adlQueue,
    riskEvents,
    pendingOrders,
    previewTrade,
    orderSettings,
  };
}

export type Reader = ReturnType<typeof createReader>;
