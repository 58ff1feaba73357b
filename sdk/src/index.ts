// @ranked-adl/sdk: generated ABIs, addresses from the address book, typed reads, the one-call trade
// preview, transaction builders and revert decoding for the ranked-ADL perpetuals protocol.
export {
  chainlinkPriceOracleAbi,
  liquidityVaultAbi,
  perpEngineAbi,
  perpLensAbi,
  pythPriceOracleAbi,
  testTokenAbi,
  erc20PermitAbi,
} from "./abis.js";
export { addressesFor, marketIdOf, type ProtocolAddresses } from "./addresses.js";
export { permitDomain, signPermit } from "./permit.js";
export { decodeProtocolError, protocolErrorsAbi, revertData, type DecodedProtocolError } from "./errors.js";
export {
  createReader,
  fundingRatePerSecond,
  type Balances,
  type MarketView,
  type PendingOrder,
  type PositionView,
  type Reader,
  type RiskEvent,
} from "./reads.js";
export {
  DEFAULT_GAS_HEADROOM_PERCENT,
  DEFAULT_ORDER_LIFETIME_SECONDS,
  DEFAULT_SLIPPAGE_BPS,
  OrderKind,
  acceptablePriceFor,
  createWriter,
  send,
  type BuiltOrder,
  type LimitOrderParams,
  type MarketOrderParams,
  type OrderOptions,
  type TriggerOrderParams,
  type TxRequest,
  type Writer,
} from "./writes.js";
export type * from "./types.js";
