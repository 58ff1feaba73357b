// Keeper configuration: a JSON file and/or environment variables, validated with zod. A bad value
// stops the keeper with one line naming the field. Secrets are never logged.
import { readFileSync } from "node:fs";
import { Wallet } from "ethers";
import { z } from "zod";

const hexKey = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be a 0x-prefixed 32-byte hex private key");

export const keeperConfigSchema = z
  .object({
    rpcUrls: z.array(z.string().url()).min(1, "needs at least one RPC URL"),
    chainId: z.number().int().positive(),
    /** A websocket endpoint: each new head starts a tick at once (the HTTP poll remains the fallback). */
    wsUrl: z
      .string()
      .regex(/^wss?:\/\//, "must be a ws:// or wss:// URL")
      .optional(),
    /** The signer: a raw key (best from KEEPER_PRIVATE_KEY), or an encrypted JSON keystore file
     * whose password comes from KEEPER_KEYSTORE_PASSWORD. Exactly one of the two. */
    privateKey: hexKey.optional(),
    keystoreFile: z.string().min(1).optional(),
    addressBook: z.string().min(1),
    confirmations: z.number().int().min(0).max(64).default(0),
    pollIntervalMs: z.number().int().min(100).max(60_000).default(1_000),
    /** Most positions per liquidateBatch call; batches are also sized to the block gas limit (batching.ts). */
    batchSize: z.number().int().min(1).max(2_000).default(500),
    maxFeePerGasGwei: z.number().positive().max(10_000).default(200),
    maxPriorityFeePerGasGwei: z.number().positive().max(1_000).default(2),
    replaceAfterMs: z.number().int().min(200).max(600_000).default(15_000),
    feeBumpPercent: z.number().int().min(10).max(100).default(15),
    lowBalanceEth: z.number().min(0).default(0.05),
    metricsPort: z.number().int().min(0).max(65_535).default(9464),
    healthMaxTickAgeMs: z.number().int().min(1_000).default(30_000),
    stateFile: z.string().default(".keeper-state/state.json"),
    dryRun: z.boolean().default(false),
  })
  .refine((c) => (c.privateKey === undefined) !== (c.keystoreFile === undefined), {
    path: ["privateKey"],
    message: "set exactly one of privateKey and keystoreFile",
  });

export type KeeperConfig = z.infer<typeof keeperConfigSchema>;

export class ConfigError extends Error {}

/** Environment variables that override the file, each mapped to its field. */
const ENV: Record<string, (value: string) => [keyof KeeperConfig, unknown]> = {
  KEEPER_RPC_URLS: (v) => ["rpcUrls", v.split(",").map((s) => s.trim())],
  KEEPER_CHAIN_ID: (v) => ["chainId", Number(v)],
  KEEPER_WS_URL: (v) => ["wsUrl", v],
  KEEPER_PRIVATE_KEY: (v) => ["privateKey", v],
  KEEPER_KEYSTORE_FILE: (v) => ["keystoreFile", v],
  KEEPER_ADDRESS_BOOK: (v) => ["addressBook", v],
  KEEPER_CONFIRMATIONS: (v) => ["confirmations", Number(v)],
  KEEPER_POLL_INTERVAL_MS: (v) => ["pollIntervalMs", Number(v)],
  KEEPER_BATCH_SIZE: (v) => ["batchSize", Number(v)],
  KEEPER_REPLACE_AFTER_MS: (v) => ["replaceAfterMs", Number(v)],
  KEEPER_LOW_BALANCE_ETH: (v) => ["lowBalanceEth", Number(v)],
  KEEPER_METRICS_PORT: (v) => ["metricsPort", Number(v)],
  KEEPER_STATE_FILE: (v) => ["stateFile", v],
  KEEPER_DRY_RUN: (v) => ["dryRun", v === "1" || v === "true"],
};

/** Loads and validates the configuration; throws a ConfigError whose message is one line. */
export function loadConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env): KeeperConfig {
  let raw: Record<string, unknown> = {};
  if (path) {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch {
      throw new ConfigError(`config file ${path} cannot be read`);
    }
    try {
      raw = JSON.parse(text);
    } catch {
      throw new ConfigError(`config file ${path} is not valid JSON`);
    }
  }
  for (const [name, map] of Object.entries(ENV)) {
    const value = env[name];
    if (value !== undefined && value !== "") {
      const [field, parsed] = map(value);
      raw[field] = parsed;
    }
  }
  const result = keeperConfigSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue.path.join(".") || "config";
    // The offending value is never echoed: it may be a key.
    throw new ConfigError(`invalid config: ${field}: ${issue.message}`);
  }
  return result.data;
}

/** The signing key: the configured one, or the keystore decrypted with KEEPER_KEYSTORE_PASSWORD. */
export async function loadSigningKey(config: KeeperConfig, env: NodeJS.ProcessEnv = process.env): Promise<`0x${string}`> {
  if (config.privateKey) return config.privateKey as `0x${string}`;
  const path = config.keystoreFile!;
  const password = env.KEEPER_KEYSTORE_PASSWORD;
  if (!password) throw new ConfigError(`keystoreFile ${path} needs its password in KEEPER_KEYSTORE_PASSWORD`);
  let json: string;
  try {
    json = readFileSync(path, "utf8");
  } catch {
    throw new ConfigError(`keystoreFile ${path} cannot be read`);
  }
  try {
    return (await Wallet.fromEncryptedJson(json, password)).privateKey as `0x${string}`;
  } catch {
    throw new ConfigError(`keystoreFile ${path}: wrong password, or not a JSON keystore`);
  }
}
