// The protocol's view and argument types, derived from the generated ABIs (never written by hand),
// so a contract change changes them at the next build.
import type { ContractFunctionArgs, ContractFunctionReturnType, GetEventArgs } from "viem";
import type { perpEngineAbi, perpLensAbi } from "./abis.js";

type LensViewName = Extract<(typeof perpLensAbi)[number], { type: "function"; stateMutability: "view" }>["name"];
type LensView<F extends LensViewName> = ContractFunctionReturnType<typeof perpLensAbi, "view", F>;
type EngineViewName = Extract<(typeof perpEngineAbi)[number], { type: "function"; stateMutability: "view" }>["name"];
type EngineView<F extends EngineViewName> = ContractFunctionReturnType<typeof perpEngineAbi, "view", F>;

/** PerpLens.positionHealth: equity, margins, ratio, liquidation and bankruptcy price. */
export type PositionHealth = LensView<"positionHealth">;
/** PerpLens.positionAdl: bucket, score, rank and five-light quantile. */
export type AdlPosition = LensView<"positionAdl">;
/** PerpLens.marketAdlState: insurance, ADL debts and pnl factors. */
export type MarketAdlState = LensView<"marketAdlState">;
/** PerpLens.previewLiquidation: whether a liquidation goes through now, what it takes and its queue hint. */
export type LiquidationPreview = LensView<"previewLiquidation">;
/** PerpLens.previewTrade: the one read before a trade. */
export type TradePreview = LensView<"previewTrade">;
/** PerpEngine.position: the stored position. */
export type Position = EngineView<"position">;
export type MarketConfig = EngineView<"marketConfig">;
export type MarketState = EngineView<"marketState">;
/** PerpEngine.order: a pending order (account 0 once executed or cancelled). */
export type Order = EngineView<"order">;
export type OrderSettings = EngineView<"orderSettings">;
/** The struct createOrder takes. */
export type OrderRequest = ContractFunctionArgs<typeof perpEngineAbi, "nonpayable", "createOrder">[0];

type EventFields<E extends string> = GetEventArgs<typeof perpEngineAbi, E, { EnableUnion: false; IndexedOnly: false; Required: true }>;
/** PerpEngine's Liquidated event: what a liquidation closed, its reward, penalty and deficit. */
export type LiquidatedArgs = EventFields<"Liquidated">;
/** PerpEngine's AdlFill event: one deleveraged counterparty, its fill price, pnl and haircut. */
export type AdlFillArgs = EventFields<"AdlFill">;
