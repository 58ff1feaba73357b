// Transaction builders. Each returns a plain request ({ to, data }, encoded against the generated
// ABI, so a wrong argument fails to compile) that any wallet can send; `send` adds gas headroom.
// Orders get defaults a frontend would otherwise forget: a slippage bound from a fresh preview,
// the minimum execution fee, and an expiry.
import {
  encodeFunctionData,
  erc20Abi,
  type Account,
  type Address,
  type Chain,
  type Client,
  type Hash,
  type Hex,
  type Transport,
} from "viem";
import { estimateGas, getBlock, getChainId, readContract, sendTransaction } from "viem/actions";
import { liquidityVaultAbi, perpEngineAbi } from "./abis.js";
import type { ProtocolAddresses } from "./addresses.js";
import { permitDomain, signPermit } from "./permit.js";
import { createReader, type Reader } from "./reads.js";
import type { OrderRequest, TradePreview } from "./types.js";

/** What a builder returns: send it with `send`, or with any wallet as { to, data }. */
export interface TxRequest {
  to: Address;
  data: Hex;
  /** The contract function it calls, for display and logs. */
  functionName: string;
  /** The chain of the address book it was built from: `send` refuses a wallet on another chain. */
  chainId: number;
}

/** OrderRequest.kind values (contracts/types/PerpTypes.sol ORDER_*). */
export const OrderKind = { Market: 0, Limit: 1, StopLoss: 2, TakeProfit: 3 } as const;
export type OrderKind = (typeof OrderKind)[keyof typeof OrderKind];

/** 1%: a market order's fill comes at a price published after the request, not the previewed one. */
export const DEFAULT_SLIPPAGE_BPS = 100;
/** Orders the keepers could not fill within an hour expire instead of filling at a surprise. */
export const DEFAULT_ORDER_LIFETIME_SECONDS = 3600;
/** Over eth_estimateGas: a fill mined in a later second also accrues funding (a few more writes). */
export const DEFAULT_GAS_HEADROOM_PERCENT = 30;
const MAX_PRICE = 2n ** 128n - 1n;
const BPS = 10_000n;

/**
 * The worst execution price to accept: `slippageBps` worse than `price` in the trade's direction
 * (a buy accepts up to price * (1 + s), a sell down to price * (1 - s)).
 */
export function acceptablePriceFor(price: bigint, sizeDelta: bigint, slippageBps: number = DEFAULT_SLIPPAGE_BPS): bigint {
  if (!Number.isInteger(slippageBps) || slippageBps < 0 || slippageBps >= 10_000)
    throw new Error(`slippageBps must be an integer in [0, 10000), got ${slippageBps}`);
  const bps = BigInt(slippageBps);
  if (sizeDelta > 0n) return (price * (BPS + bps) + BPS - 1n) / BPS;
  return (price * (BPS - bps)) / BPS;
}

export interface OrderOptions {
  /** Defaults to DEFAULT_SLIPPAGE_BPS from the previewed execution price. */
  slippageBps?: number;
  /** Defaults to the engine's minimum execution fee (orderSettings.minExecutionFee). */
  executionFee?: bigint;
  /** Seconds from the latest block; defaults to DEFAULT_ORDER_LIFETIME_SECONDS. */
  lifetimeSeconds?: number;
}

export interface MarketOrderParams extends OrderOptions {
  account: Address;
  marketId: number;
  /** > 0 buys (opens or grows a long, reduces a short), < 0 sells. */
  sizeDelta: bigint;
  marginIn?: bigint;
  marginOut?: bigint;
  reduceOnly?: boolean;
}

export interface LimitOrderParams extends Omit<OrderOptions, "slippageBps"> {
  marketId: number;
  sizeDelta: bigint;
  /** The worst execution price, impact included (WAD). */
  limitPrice: bigint;
  marginIn?: bigint;
  reduceOnly?: boolean;
}

export interface TriggerOrderParams extends OrderOptions {
  marketId: number;
  /** The closing direction: < 0 for a long's stop or take-profit, > 0 for a short's. */
  sizeDelta: bigint;
  triggerPrice: bigint;
}

/** A built order: the request, the transaction, and what it escrows from the free balance. */
export interface BuiltOrder {
  request: OrderRequest;
  tx: TxRequest;
  escrow: bigint;
  /** The preview the slippage bound was taken from (market orders). */
  preview?: TradePreview;
}

export function createWriter(client: Client, addresses: ProtocolAddresses, reader: Reader = createReader(client, addresses)) {
  const engine = addresses.engine;
  const call = (to: Address, functionName: string, data: Hex): TxRequest => ({ to, data, functionName, chainId: addresses.chainId });

  async function orderDefaults(options: OrderOptions) {
    const [settings, block] = await Promise.all([reader.orderSettings(), getBlock(client)]);
    const lifetime = options.lifetimeSeconds ?? DEFAULT_ORDER_LIFETIME_SECONDS;
    if (!Number.isInteger(lifetime) || lifetime <= 0) throw new Error(`lifetimeSeconds must be a positive integer, got ${lifetime}`);
    const executionFee = options.executionFee ?? settings.minExecutionFee;
    if (executionFee < settings.minExecutionFee)
      throw new Error(`executionFee ${executionFee} is below the engine's minimum ${settings.minExecutionFee}`);
    return { executionFee, expiresAt: block.timestamp + BigInt(lifetime) };
  }

  function order(request: OrderRequest, preview?: TradePreview): BuiltOrder {
    const data = encodeFunctionData({ abi: perpEngineAbi, functionName: "createOrder", args: [request] });
    return { request, tx: call(engine, "createOrder", data), escrow: request.marginIn + request.executionFee, preview };
  }

  /** An approval of `amount` to the engine when the allowance is short, then the deposit. */
  async function deposit(account: Address, amount: bigint): Promise<TxRequest[]> {
    if (amount <= 0n) throw new Error(`deposit amount must be positive, got ${amount}`);
    const allowance = await readContract(client, {
      address: addresses.collateralToken,
      abi: erc20Abi,
      functionName: "allowance",
      args: [account, engine],
    });
    const deposit = call(engine, "deposit", encodeFunctionData({ abi: perpEngineAbi, functionName: "deposit", args: [amount] }));
    if (allowance >= amount) return [deposit];
    const approve = call(
      addresses.collateralToken,
      "approve",
      encodeFunctionData({ abi: erc20Abi, functionName: "approve", args: [engine, amount] }),
    );
    return [approve, deposit];
  }

  /**
   * A deposit from `wallet`: one `depositWithPermit` signed now when the token supports EIP-2612,
   * else `deposit` (after an approval when the allowance is short). The permit expires with the
   * order lifetime default unless `lifetimeSeconds` says otherwise.
   */
  async function depositWithPermit(
    wallet: Client<Transport, Chain | undefined, Account>,
    amount: bigint,
    options: { lifetimeSeconds?: number } = {},
  ): Promise<TxRequest[]> {
    const account = wallet.account.address;
    const allowance = await readContract(client, {
      address: addresses.collateralToken,
      abi: erc20Abi,
      functionName: "allowance",
      args: [account, engine],
    });
    const domain = allowance >= amount ? null : await permitDomain(client, addresses.collateralToken, addresses.chainId);
    if (!domain) return deposit(account, amount);
    const block = await getBlock(client);
    const deadline = block.timestamp + BigInt(options.lifetimeSeconds ?? DEFAULT_ORDER_LIFETIME_SECONDS);
    const { v, r, s } = await signPermit(wallet, domain, engine, amount, deadline);
    const data = encodeFunctionData({ abi: perpEngineAbi, functionName: "depositWithPermit", args: [amount, deadline, v, r, s] });
    return [call(engine, "depositWithPermit", data)];
  }

  function withdraw(amount: bigint, to: Address): TxRequest {
    return call(engine, "withdraw", encodeFunctionData({ abi: perpEngineAbi, functionName: "withdraw", args: [amount, to] }));
  }

  /** A market order bounded `slippageBps` from the previewed execution price (impact included). */
  async function marketOrder(p: MarketOrderParams): Promise<BuiltOrder> {
    if (p.sizeDelta === 0n) throw new Error("a market order needs a non-zero sizeDelta (withdrawMargin moves margin only)");
    const marginIn = p.marginIn ?? 0n;
    const marginOut = p.marginOut ?? 0n;
    const [preview, defaults] = await Promise.all([
      reader.previewTrade(p.account, p.marketId, p.sizeDelta, marginIn - marginOut),
      orderDefaults(p),
    ]);
    const acceptablePrice = acceptablePriceFor(preview.executionPrice, p.sizeDelta, p.slippageBps);
    const request = {
      marketId: p.marketId,
      kind: OrderKind.Market,
      reduceOnly: p.reduceOnly ?? false,
      sizeDelta: p.sizeDelta,
      marginIn,
      marginOut,
      acceptablePrice,
      triggerPrice: 0n,
      ...defaults,
    };
    return order(request, preview);
  }

  /** Fills at `limitPrice` or better (impact included), at any price published after the request. */
  async function limitOrder(p: LimitOrderParams): Promise<BuiltOrder> {
    if (p.sizeDelta === 0n) throw new Error("a limit order needs a non-zero sizeDelta");
    if (p.limitPrice <= 0n || p.limitPrice > MAX_PRICE) throw new Error(`limitPrice out of range: ${p.limitPrice}`);
    const defaults = await orderDefaults(p);
    return order({
      marketId: p.marketId,
      kind: OrderKind.Limit,
      reduceOnly: p.reduceOnly ?? false,
      sizeDelta: p.sizeDelta,
      marginIn: p.marginIn ?? 0n,
      marginOut: 0n,
      acceptablePrice: p.limitPrice,
      triggerPrice: 0n,
      ...defaults,
    });
  }

  async function triggerOrder(kind: OrderKind, p: TriggerOrderParams): Promise<BuiltOrder> {
    if (p.sizeDelta === 0n) throw new Error("a stop-loss or take-profit needs the closing sizeDelta");
    if (p.triggerPrice <= 0n || p.triggerPrice > MAX_PRICE) throw new Error(`triggerPrice out of range: ${p.triggerPrice}`);
    const defaults = await orderDefaults(p);
    const acceptablePrice = acceptablePriceFor(p.triggerPrice, p.sizeDelta, p.slippageBps);
    return order({
      marketId: p.marketId,
      kind,
      reduceOnly: true,
      sizeDelta: p.sizeDelta,
      marginIn: 0n,
      marginOut: 0n,
      acceptablePrice,
      triggerPrice: p.triggerPrice,
      ...defaults,
    });
  }

  /** Closes (part of) a position once the price reaches the trigger against it; fills within slippage of the trigger. */
  const stopLoss = (p: TriggerOrderParams) => triggerOrder(OrderKind.StopLoss, p);
  /** Closes (part of) a position once the price reaches the trigger in its favour. */
  const takeProfit = (p: TriggerOrderParams) => triggerOrder(OrderKind.TakeProfit, p);

  /** A reduce-only market order for the whole position. */
  async function closePosition(p: { account: Address; marketId: number } & OrderOptions): Promise<BuiltOrder> {
    const open = await reader.position(p.account, p.marketId);
    if (!open) throw new Error(`${p.account} has no open position in market ${p.marketId}`);
    return marketOrder({ ...p, sizeDelta: -open.position.size, reduceOnly: true });
  }

  /** Takes `amount` of margin out of a position: an order, as every withdrawal is checked at a fresh price. */
  async function withdrawMargin(p: { marketId: number; amount: bigint } & Omit<OrderOptions, "slippageBps">): Promise<BuiltOrder> {
    if (p.amount <= 0n) throw new Error(`amount must be positive, got ${p.amount}`);
    const defaults = await orderDefaults(p);
    return order({
      marketId: p.marketId,
      kind: OrderKind.Market,
      reduceOnly: false,
      sizeDelta: 0n,
      marginIn: 0n,
      marginOut: p.amount,
      acceptablePrice: 0n,
      triggerPrice: 0n,
      ...defaults,
    });
  }

  /** Adds margin now (no order needed: it only lowers risk), with the ADL hint for the position's new bucket. */
  async function addMargin(p: { account: Address; marketId: number; amount: bigint }): Promise<TxRequest & { hint: number }> {
    if (p.amount <= 0n) throw new Error(`amount must be positive, got ${p.amount}`);
    const { hint } = await reader.previewTrade(p.account, p.marketId, 0n, p.amount);
    return {
      ...call(
        engine,
        "addMargin",
        encodeFunctionData({ abi: perpEngineAbi, functionName: "addMargin", args: [p.marketId, p.amount, hint] }),
      ),
      hint,
    };
  }

  function cancelOrder(orderId: bigint): TxRequest {
    return call(engine, "cancelOrder", encodeFunctionData({ abi: perpEngineAbi, functionName: "cancelOrder", args: [orderId] }));
  }

  /**
   * An LP deposit request (the vault settles it at a price published after it: LiquidityVault
   * requestDeposit), with an approval first when the allowance is short. Any keeper settles it once
   * due; `settleVaultRequest` lets the LP do it.
   */
  async function requestVaultDeposit(account: Address, assets: bigint, receiver: Address = account): Promise<TxRequest[]> {
    if (assets <= 0n) throw new Error(`assets must be positive, got ${assets}`);
    const allowance = await readContract(client, {
      address: addresses.collateralToken,
      abi: erc20Abi,
      functionName: "allowance",
      args: [account, addresses.vault],
    });
    const request = call(
      addresses.vault,
      "requestDeposit",
      encodeFunctionData({ abi: liquidityVaultAbi, functionName: "requestDeposit", args: [assets, receiver] }),
    );
    if (allowance >= assets) return [request];
    return [
      call(
        addresses.collateralToken,
        "approve",
        encodeFunctionData({ abi: erc20Abi, functionName: "approve", args: [addresses.vault, assets] }),
      ),
      request,
    ];
  }

  /** An LP redemption request for `shares`, paid when settled at a price published after it. */
  function requestVaultRedeem(shares: bigint, receiver: Address): TxRequest {
    if (shares <= 0n) throw new Error(`shares must be positive, got ${shares}`);
    return call(
      addresses.vault,
      "requestRedeem",
      encodeFunctionData({ abi: liquidityVaultAbi, functionName: "requestRedeem", args: [shares, receiver] }),
    );
  }

  /** Settles a due LP request (deposit or redemption); anyone may send it. */
  function settleVaultRequest(requestId: bigint): TxRequest {
    return call(
      addresses.vault,
      "settleRequest",
      encodeFunctionData({ abi: liquidityVaultAbi, functionName: "settleRequest", args: [requestId] }),
    );
  }

  return {
    deposit,
    depositWithPermit,
    withdraw,
    marketOrder,
    limitOrder,
    stopLoss,
    takeProfit,
    closePosition,
    withdrawMargin,
    addMargin,
    cancelOrder,
    requestVaultDeposit,
    requestVaultRedeem,
    settleVaultRequest,
  };
}

export type Writer = ReturnType<typeof createWriter>;

/**
 * Sends a built request from the wallet's account with `headroomPercent` more gas than estimated,
 * after checking that the wallet is on the chain the request was built for.
 * A revert at estimation throws viem's error, which decodeProtocolError turns into the protocol error.
 */
export async function send(
  wallet: Client<Transport, Chain | undefined, Account>,
  tx: TxRequest,
  headroomPercent: number = DEFAULT_GAS_HEADROOM_PERCENT,
): Promise<Hash> {
  const chainId = await getChainId(wallet);
  if (chainId !== tx.chainId) throw new Error(`${tx.functionName} was built for chain ${tx.chainId}, the wallet is on chain ${chainId}`);
  const estimate = await estimateGas(wallet, { account: wallet.account, to: tx.to, data: tx.data });
  const gas = (estimate * BigInt(100 + headroomPercent)) / 100n;
  // The chain id is checked above; `null` lets a wallet client built without a chain object send.
  return sendTransaction(wallet, { account: wallet.account, chain: wallet.chain ?? null, to: tx.to, data: tx.data, gas });
}
