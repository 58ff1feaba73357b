// The address book of a Hardhat Ignition deployment, read from its journal: every contract's
// address, constructor arguments, linked libraries and block, plus the fields the keeper reads.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { AddressBook, DeployedContract } from "./addressBook.ts";
import type { DeploySpec } from "./deploySpec.ts";

interface JournalEntry {
  type: string;
  futureId?: string;
  contractName?: string;
  constructorArgs?: unknown[];
  libraries?: Record<string, `0x${string}`>;
  receipt?: { blockNumber: number; contractAddress?: `0x${string}` };
  result?: { type: string; address?: `0x${string}` };
}

/** Ignition journals bigints as { _kind: "bigint", value }; the book keeps them as decimal text. */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (record._kind === "bigint") return String(record.value);
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

export function bookFromJournal(deploymentDir: string, deploymentId: string, chainId: number, spec: DeploySpec): AddressBook {
  const lines = readFileSync(join(deploymentDir, "journal.jsonl"), "utf8").split("\n").filter(Boolean);
  const pending = new Map<string, Partial<DeployedContract>>();
  const contracts: Record<string, DeployedContract> = {};
  for (const entry of lines.map((line) => JSON.parse(line) as JournalEntry)) {
    if (!entry.futureId) continue; // the deployment's own entries
    const id = entry.futureId.replace(/^Protocol#/, "");
    if (entry.type === "DEPLOYMENT_EXECUTION_STATE_INITIALIZE") {
      pending.set(id, {
        contractName: entry.contractName,
        constructorArgs: plain(entry.constructorArgs) as unknown[],
        libraries: entry.libraries ?? {},
      });
    } else if (entry.type === "TRANSACTION_CONFIRM" && pending.has(id) && entry.receipt) {
      pending.get(id)!.blockNumber = entry.receipt.blockNumber;
    } else if (entry.type === "DEPLOYMENT_EXECUTION_STATE_COMPLETE" && entry.result?.type === "SUCCESS") {
      contracts[id] = { ...pending.get(id), address: entry.result.address! } as DeployedContract;
    }
  }
  const address = (id: string) => {
    if (!contracts[id]) throw new Error(`deployment ${deploymentId} has no completed ${id}`);
    return contracts[id].address;
  };
  const token = "address" in spec.token ? (spec.token.address as `0x${string}`) : address("Token");
  return {
    chainId,
    deploymentId,
    // The keeper indexes positions from the engine's block on.
    deploymentBlock: contracts.PerpEngine.blockNumber,
    engine: address("PerpEngine"),
    vault: address("LiquidityVault"),
    lens: address("PerpLens"),
    collateralToken: token,
    liquidationModule: address("LiquidationModule"),
    governanceModule: address("GovernanceModule"),
    orderModule: address("OrderModule"),
    adlQueue: address("AdlQueue"),
    orderRules: address("OrderRules"),
    markets: spec.markets.map((market, marketId) => ({
      marketId,
      name: market.name,
      oracle: address(`${market.name}Oracle`),
      feed: "address" in market.feed ? (market.feed.address as `0x${string}`) : address(`${market.name}Feed`),
      heartbeatSeconds: market.heartbeatSeconds,
    })),
    contracts,
  };
}
