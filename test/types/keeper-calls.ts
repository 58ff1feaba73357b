// Compile-time test of the keeper's contract calls (`tsc -p tsconfig.json`, in `npm run typecheck`):
// every line under `@ts-expect-error` passes a wrong function name or argument. Should the keeper's
// ABIs or its call builder lose their types again (an `as Abi`, a `functionName: string`), that line
// compiles, its directive goes unused, and the typecheck fails. Never run, only compiled.
import type { PublicClient } from "viem";
import { contractCall, protocolReader } from "../../keeper/contracts.ts";
import { liquidityVaultAbi, perpEngineAbi } from "../../sdk/src/abis.ts";
import type { PositionHealth } from "../../sdk/src/types.ts";

declare const client: PublicClient;
declare const address: `0x${string}`;

export function wrongCalls() {
  // @ts-expect-error the engine has no liquidateAll
  contractCall({ address, abi: perpEngineAbi, functionName: "liquidateAll", args: [[1n], [0]] });
  // @ts-expect-error liquidateBatch takes the hints as uint32 numbers, not bigints
  contractCall({ address, abi: perpEngineAbi, functionName: "liquidateBatch", args: [[1n], [0n]] });
  // @ts-expect-error marketConfig is a view: the sender sends transactions only
  contractCall({ address, abi: perpEngineAbi, functionName: "marketConfig", args: [0] });
  // @ts-expect-error settleRequests takes an array of ids
  contractCall({ address, abi: liquidityVaultAbi, functionName: "settleRequests", args: [1n] });
}

export async function wrongReads() {
  const read = protocolReader(client, { engine: address, lens: address });
  // @ts-expect-error positionHealthBatch takes an array of uint256 ids (bigints)
  await read.lens.positionHealthBatch([[1]]);
  // @ts-expect-error the lens has no positionHealthOf
  await read.lens.positionHealthOf([1n]);
  const [health] = await read.lens.positionHealthBatch([[1n]]);
  // The views come back typed from the ABI, as the SDK names them.
  const named: PositionHealth = health;
  // @ts-expect-error the liquidatable flag is a boolean, not a bigint
  const wrong: bigint = health.liquidatable;
  return { named, wrong };
}
