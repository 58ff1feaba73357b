// Compile-time test of the SDK's types: every line under `@ts-expect-error` passes a wrong argument.
// If the generated ABIs or the builders ever lose their types (an `as Abi`, an `any`), that line
// compiles, its directive goes unused, and `tsc -p sdk/test-types` fails.
import { createPublicClient, encodeFunctionData, http, type Address } from "viem";
import { readContract } from "viem/actions";
import { createReader, createWriter, perpEngineAbi, perpLensAbi, type OrderRequest, type ProtocolAddresses } from "../dist/index.js";

declare const addresses: ProtocolAddresses;
declare const account: Address;
const client = createPublicClient({ transport: http("http://127.0.0.1:8545") });
const reader = createReader(client, addresses);
const writer = createWriter(client, addresses, reader);

export async function wrongArguments() {
  // @ts-expect-error sizeDelta is a bigint, not a number
  await reader.previewTrade(account, 0, 1, 0n);
  // @ts-expect-error marketId is a number, not a market name
  await writer.marketOrder({ account, marketId: "ETH", sizeDelta: 1n });
  // @ts-expect-error a limit order needs its limitPrice
  await writer.limitOrder({ marketId: 0, sizeDelta: 1n });
  // @ts-expect-error a stop-loss needs its triggerPrice
  await writer.stopLoss({ marketId: 0, sizeDelta: -1n });
  // @ts-expect-error positionHealth takes a uint256 id (bigint), not a string
  await readContract(client, { address: addresses.lens, abi: perpLensAbi, functionName: "positionHealth", args: ["1"] });
  // @ts-expect-error the lens has no such function
  await readContract(client, { address: addresses.lens, abi: perpLensAbi, functionName: "positionHealthOf", args: [1n] });
  // @ts-expect-error createOrder's request misses every field but marketId
  encodeFunctionData({ abi: perpEngineAbi, functionName: "createOrder", args: [{ marketId: 0 }] });
  const request: OrderRequest = {
    marketId: 0,
    kind: 0,
    // @ts-expect-error OrderRequest.reduceOnly is a boolean
    reduceOnly: 1,
    sizeDelta: 1n,
    marginIn: 0n,
    marginOut: 0n,
    acceptablePrice: 0n,
    triggerPrice: 0n,
    executionFee: 0n,
    expiresAt: 0n,
  };
  return request;
}

export async function rightTypes() {
  const open = await reader.position(account, 0);
  // The views come back typed from the ABI: a bigint price, a boolean flag, a number quantile.
  const liquidationPrice: bigint | undefined = open?.health.liquidationPrice;
  const liquidatable: boolean | undefined = open?.health.liquidatable;
  const quantile: number | undefined = open?.adl.quantile;
  // @ts-expect-error the liquidatable flag is not a bigint
  const wrong: bigint | undefined = open?.health.liquidatable;
  return { liquidationPrice, liquidatable, quantile, wrong };
}
