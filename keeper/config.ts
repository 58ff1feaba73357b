// Keeper configuration: a JSON file and/or environment variables, validated with zod. A bad value
// stops the keeper with one line naming the field. Secrets are never logged.
//
// Every field can come from the environment, as KEEPER_ plus the field's name in upper snake case
// (maxFeePerGasGwei -> KEEPER_MAX_FEE_PER_GAS_GWEI), except logLevel, which is the usual LOG_LEVEL.
// Environment values are parsed strictly: a boolean is `true`, `false`, `1` or `0`, a number is a
// plain decimal; anything else (KEEPER_DRY_RUN=yes) is a config error, never a silent default.
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
     * whose password comes from KEEPER_KEYSTORE_PASSWORD. Exactly one of the two for `run`. */
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
    /** ADL waits behind liquidation batches in flight (their bankrupt entries pay the debt inline
     * first), but never longer than this: a stream of liquidations must not hold ADL off. */
    maxAdlDeferralMs: z.number().int().min(0).max(600_000).default(30_000),
    /** 127.0.0.1 keeps metrics private; 0.0.0.0 lets a container's Prometheus scrape them. */
    metricsHost: z.string().min(1).default("127.0.0.1"),
    metricsPort: z.number().int().min(0).max(65_535).default(9464),
    healthMaxTickAgeMs: z.number().int().min(1_000).default(30_000),
    stateFile: z.string().default(".keeper-state/state.json"),
    dryRun: z.boolean().default(false),
    /** Execute pending orders (keeper/orders/) in each tick, after liquidations and ADL. */
    executeOrders: z.boolean().default(true),
    /** Most orders per executeOrders call; batches are also sized to the block gas limit. */
    maxOrdersPerBatch: z.number().int().min(1).max(500).default(50),
    /** A Hermes-compatible endpoint per Pyth market id, e.g. {"1": "https://hermes.pyth.network"}, where
     * the keeper fetches the updates that fill orders; markets not listed are read from their
     * Chainlink feed. From the environment: the same JSON. */
    hermesEndpoints: z.record(z.string().regex(/^\d+$/, "keys must be market ids"), z.string().url()).default({}),
    logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  })
  // A misspelt field ("dryrun") would otherwise be ignored and its default silently used.
  .strict();

export type KeeperConfig = z.infer<typeof keeperConfigSchema>;
type Field = keyof KeeperConfig;

export class ConfigError extends Error {}

/** The environment variable of each field. */
export function envName(field: Field): string {
  if (field === "logLevel") return "LOG_LEVEL";
  return `KEEPER_${field.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/** The schema type under `.default()` / `.optional()`, which decides how an env string is parsed. */
function baseType(schema: z.ZodTypeAny): z.ZodTypeAny {
  if (schema instanceof z.ZodDefault) return baseType(schema._def.innerType);
  if (schema instanceof z.ZodOptional) return baseType(schema.unwrap());
  return schema;
}

const BOOLEANS: Record<string, boolean> = { true: true, "1": true, false: false, "0": false };

function fromEnv(field: Field, name: string, value: string): unknown {
  const type = baseType(keeperConfigSchema.shape[field]);
  if (type instanceof z.ZodBoolean) {
    if (!(value in BOOLEANS)) throw new ConfigError(`invalid config: ${name}: must be true, false, 1 or 0, got "${value}"`);
    return BOOLEANS[value];
  }
  if (type instanceof z.ZodNumber) {
    if (!/^-?\d+(\.\d+)?$/.test(value.trim())) throw new ConfigError(`invalid config: ${name}: must be a number, got "${value}"`);
    return Number(value);
  }
  if (type instanceof z.ZodArray) return value.split(",").map((s) => s.trim());
  if (type instanceof z.ZodRecord) {
    try {
      return JSON.parse(value);
    } catch {
      throw new ConfigError(`invalid config: ${name}: must be a JSON object, got "${value}"`);
    }
  }
  return value;
}

export interface LoadOptions {
  /** `run` signs; `status` only reads and needs no key. */
  needsSigner?: boolean;
}

/** Loads and validates the configuration; throws a ConfigError whose message is one line. */
export function loadConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env, options: LoadOptions = {}): KeeperConfig {
  const { needsSigner = true } = options;
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
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new ConfigError(`config file ${path} is not a JSON object`);
  }
  for (const field of Object.keys(keeperConfigSchema.shape) as Field[]) {
    const name = envName(field);
    const value = env[name];
    if (value !== undefined && value !== "") raw[field] = fromEnv(field, name, value);
  }
  const result = keeperConfigSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    if (issue.code === "unrecognized_keys")
      throw new ConfigError(`invalid config: unknown field ${issue.keys.map((k) => `"${k}"`).join(", ")}`);
    const field = issue.path.join(".") || "config";
    // The offending value is never echoed: it may be a key.
    throw new ConfigError(`invalid config: ${field}: ${issue.message}`);
  }
  const config = result.data;
  if (needsSigner && (config.privateKey === undefined) === (config.keystoreFile === undefined)) {
    throw new ConfigError("invalid config: privateKey: set exactly one of privateKey and keystoreFile");
  }
  return config;
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
