// The embedded chain a replay runs on: the protocol deployed through scripts/lib/deployProtocol.ts,
// block time under the replay's control (every transaction of a step is mined at the step's
// timestamp, so a seed always gives the same run), and traders as impersonated accounts that
// deposit and open positions through the normal user path with a queue hint.
import { network } from "hardhat";
import { bucketOf } from "../../client/adl.ts";
import { predictTrade } from "../../client/predict.ts";
import { WAD, mulWadUp, notionalUp } from "../../client/math.ts";
import { deployProtocol } from "../../scripts/lib/deployProtocol.ts";
import { type MarketConfig, pct } from "../../scripts/lib/marketConfig.ts";
import type { MarketSpec } from "../scenario.ts";

export const MARKET = 0;
/** Hardhat's dev accounts: 0 deploys and owns, 1 provides the LP capital, 2 runs the keeper. */
export const KEEPER_SIGNER = 2;
/** The feed's answers have 8 decimals; the oracle scales them to WAD. */
export const answerOf = (price: number) => BigInt(Math.round(price * 1e8));
export const wadOf = (price: number) => answerOf(price) * 10n ** 10n;
/** A WAD price back to the feed's answer; only prices with at most 8 decimals can be set. */
export function answerOfWad(wad: bigint): bigint {
  if (wad % 10n ** 10n !== 0n) throw new Error(`price ${wad} has more than the feed's 8 decimals`);
  return wad / 10n ** 10n;
}

type Request = { method: string; params?: unknown[] };
type Provider = { request(args: Request): Promise<unknown> };

const fraction = (x: number) => pct((x * 100).toFixed(12));

/** The scenario's market parameters over the protocol's defaults. */
export function configureMarket(spec: MarketSpec, decimals: number) {
  return (c: MarketConfig): MarketConfig => {
    const next = { ...c };
    const wad = (x: number) => BigInt(Math.round(x * 1e6)) * 10n ** 12n;
    if (spec.maxOpenInterest !== undefined) next.maxLongSize = next.maxShortSize = wad(spec.maxOpenInterest);
    if (spec.skewScale !== undefined) next.skewScale = wad(spec.skewScale);
    if (spec.maxFundingRatePerHour !== undefined) next.maxFundingRatePerSecond = fraction(spec.maxFundingRatePerHour) / 3600n;
    if (spec.tradingFeeRate !== undefined) next.tradingFeeRate = fraction(spec.tradingFeeRate);
    if (spec.liquidationPenaltyRate !== undefined) next.liquidationPenaltyRate = fraction(spec.liquidationPenaltyRate);
    if (spec.maxPnlFactor !== undefined) next.maxPnlFactor = fraction(spec.maxPnlFactor);
    if (spec.targetPnlFactor !== undefined) next.targetPnlFactor = fraction(spec.targetPnlFactor);
    // The replay's model (client/predict.ts) prices a fill at the oracle plus the fee.
    next.impactSkewScale = 0n;
    void decimals;
    return next;
  };
}

/** The impersonated account of trader `index`: a fixed address, so any run can find its balances. */
export const traderAddress = (index: number) => `0x${(0xb0b0_0000_0000n + BigInt(index)).toString(16).padStart(40, "0")}` as `0x${string}`;

export interface Order {
  account: `0x${string}`;
  size: bigint;
  /** Margin the position should hold after the fee. */
  margin: bigint;
}

export async function startChain(options: { startPrice: number; market: MarketSpec; lpCapital: bigint; insuranceSeed: bigint }) {
  // Blocks of one step share its timestamp: a step is one instant of the price path. Prague has no
  // per-transaction gas cap (EIP-7825), so eth_call gets the block gas limit, as production nodes
  // give views 50M (geth's default RPC gas cap): the keeper's 200-position lens batches need ~17M
  // in a crash, above Osaka's 2^24.
  const connection = await network.create({
    override: { allowBlocksWithSameTimestamp: true, hardfork: "prague", blockGasLimit: 60_000_000n },
  } as Parameters<typeof network.create>[0]);
  const { ethers } = connection;
  const provider = connection.provider as unknown as Provider;
  const request = <T>(method: string, params: unknown[] = []) => provider.request({ method, params }) as Promise<T>;
  const decimals = 6;
  // The book is history, not strategy: its trades open in one step through the test-only harness
  // (contracts/test/ImmediateTradingEngine.sol). Liquidation and ADL run the product's own code.
  const deployed = await deployProtocol(ethers, {
    engineContract: "ImmediateTradingEngine",
    tokenDecimals: decimals,
    markets: [{ name: "ETH", initialAnswer: answerOf(options.startPrice), configure: configureMarket(options.market, decimals) }],
  });
  const { token, vault, lens, owner, addressBook } = deployed;
  const engine = await ethers.getContractAt("ImmediateTradingEngine", addressBook.engine, owner);
  const feed = deployed.markets[MARKET].feed;
  const signers = await ethers.getSigners();
  const [lp, keeper] = [signers[1], signers[KEEPER_SIGNER]];
  const engineAddress = addressBook.engine;

  let timestamp = Number((await request<{ timestamp: string }>("eth_getBlockByNumber", ["latest", false])).timestamp) + 1;
  /** Every block from now on is mined at `timestamp` until the clock moves. */
  const pinTime = () => request("evm_setNextBlockTimestamp", [timestamp]);
  const send = async (from: string, to: string, data: string) => {
    await pinTime();
    return request<`0x${string}`>("eth_sendTransaction", [{ from, to, data, gas: "0x1000000" }]); // the transaction gas cap, 2^24
  };

  await pinTime();
  await (await token.mint(lp.address, options.lpCapital)).wait();
  await pinTime();
  await (await token.connect(lp).approve(await vault.getAddress(), ethers.MaxUint256)).wait();
  await pinTime();
  await (await vault.connect(lp).deposit(options.lpCapital, lp.address)).wait();
  if (options.insuranceSeed > 0n) {
    await pinTime();
    await (await token.mint(owner.address, options.insuranceSeed)).wait();
    await pinTime();
    await (await token.connect(owner).approve(engineAddress, ethers.MaxUint256)).wait();
    await pinTime();
    await (await engine.connect(owner).fundInsurance(options.insuranceSeed)).wait();
  }

  const config = await engine.marketConfig(MARKET);
  const valueDivisor = await engine.valueDivisor();
  const tradeParams = {
    tradingFeeRate: config.tradingFeeRate,
    maxFundingRatePerSecond: config.maxFundingRatePerSecond,
    skewScale: config.skewScale,
    valueDivisor,
  };
  const tiers = config.tiers.slice(0, Number(config.tierCount));
  const ZERO = { size: 0n, margin: 0n, entryPrice: 0n, fundingSnapshot: 0n };

  /** A trader account: impersonated, with gas money. */
  const traderAccount = async (index: number) => {
    const account = traderAddress(index);
    await request("hardhat_impersonateAccount", [account]);
    await request("hardhat_setBalance", [account, "0x56bc75e2d63100000"]); // 100 ETH of gas money
    return account;
  };

  /** The fee of opening `size` at `price`: what comes out of the margin. */
  const feeOf = (size: bigint, price: bigint) => mulWadUp(notionalUp(size, price, valueDivisor), config.tradingFeeRate);

  /** The highest leverage the market allows for a notional (its tier), as a float. */
  const maxLeverage = (notional: bigint) => {
    const tier = tiers.find((t) => notional <= t.maxNotional) ?? tiers[tiers.length - 1];
    return Number(WAD) / Number(tier.initialMarginRate);
  };

  /**
   * Mint, approve, deposit and openPosition, as a user would; the hint comes from the lens for
   * the bucket and key the position will have. Returns false if the engine refused the order.
   */
  const open = async (order: Order, price: bigint): Promise<boolean> => {
    const fee = feeOf(order.size, price);
    const deposit = order.margin + fee;
    const state = await engine.marketState(MARKET);
    const predicted = predictTrade(
      ZERO,
      state,
      tradeParams,
      { sizeDelta: order.size, marginIn: deposit, marginOut: 0n },
      price,
      BigInt(timestamp),
    );
    const bucket = bucketOf(predicted.size < 0n ? -predicted.size : predicted.size, predicted.margin, valueDivisor);
    const hint = await lens.adlInsertHint(MARKET, order.size > 0n, bucket, predicted.k, 0n);
    await send(owner.address, addressBook.collateralToken, token.interface.encodeFunctionData("mint", [order.account, deposit]));
    await send(order.account, addressBook.collateralToken, token.interface.encodeFunctionData("approve", [engineAddress, deposit]));
    await send(order.account, engineAddress, engine.interface.encodeFunctionData("deposit", [deposit]));
    const limit = order.size > 0n ? 2n ** 128n - 1n : 0n;
    try {
      await send(
        order.account,
        engineAddress,
        engine.interface.encodeFunctionData("openPosition", [MARKET, order.size, deposit, limit, BigInt(timestamp) + 3600n, hint]),
      );
      return true;
    } catch {
      return false; // e.g. the open-interest cap: the order is refused, the deposit stays free
    }
  };

  /** Moves the clock to `at` (never backwards) and the oracle to `answer` (8 decimals). */
  const moveTo = async (at: number, answer: bigint) => {
    timestamp = Math.max(timestamp, at);
    await send(owner.address, addressBook.markets[MARKET].feed, feed.interface.encodeFunctionData("setAnswer", [answer]));
  };

  /** The provider the keeper sends through: each of its transactions is mined at the step's time. */
  const keeperProvider: Provider = {
    request: async (args) => {
      if (args.method === "eth_sendRawTransaction" || args.method === "eth_sendTransaction") await pinTime();
      return provider.request(args);
    },
  };

  return {
    ethers,
    request,
    token,
    engine,
    vault,
    lens,
    addressBook,
    keeper,
    owner,
    lp,
    valueDivisor,
    decimals,
    traderAccount,
    maxLeverage,
    feeOf,
    open,
    moveTo,
    keeperProvider,
    now: () => timestamp,
    startTime: timestamp,
    close: () => connection.close(),
  };
}

export type Chain = Awaited<ReturnType<typeof startChain>>;
