// Keeper configuration: zod validation with one-line errors naming the field, environment
// overrides, and the signer from a raw key or an encrypted JSON keystore.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { Wallet, encryptKeystoreJson } from "ethers";
import { ConfigError, envName, keeperConfigSchema, loadConfig, loadSigningKey } from "../../keeper/config.ts";

const dir = mkdtempSync(join(tmpdir(), "keeper-config-"));
const KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const base = { rpcUrls: ["http://127.0.0.1:8545"], chainId: 31337, addressBook: "deployments/31337.json" };

function file(contents: unknown) {
  const path = join(dir, `${Math.random()}.json`);
  writeFileSync(path, typeof contents === "string" ? contents : JSON.stringify(contents));
  return path;
}

/** The ConfigError message a load throws. */
function errorOf(load: () => unknown): string {
  try {
    load();
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("keeper configuration", () => {
  it("applies defaults and lets the environment override the file", () => {
    const config = loadConfig(file({ ...base, privateKey: KEY }), {
      KEEPER_CONFIRMATIONS: "3",
      KEEPER_RPC_URLS: "http://a.test, http://b.test",
    });
    expect(config.confirmations).to.equal(3);
    expect(config.rpcUrls).to.deep.equal(["http://a.test", "http://b.test"]);
    expect(config.replaceAfterMs).to.equal(15_000);
    expect(config.feeBumpPercent).to.equal(15);
  });

  it("names the field of a bad value in one line, without echoing secrets", () => {
    expect(errorOf(() => loadConfig(file({ ...base, privateKey: KEY, chainId: 0 }), {}))).to.match(/^invalid config: chainId: /);
    expect(errorOf(() => loadConfig(file({ ...base, privateKey: KEY, feeBumpPercent: 5 }), {}))).to.match(
      /^invalid config: feeBumpPercent: /,
    );
    expect(errorOf(() => loadConfig(file({ ...base, privateKey: KEY, rpcUrls: [] }), {}))).to.match(/rpcUrls: needs at least one/);
    const badKey = errorOf(() => loadConfig(file({ ...base, privateKey: "0xdeadbeef" }), {}));
    expect(badKey).to.match(/^invalid config: privateKey: /);
    expect(badKey).to.not.include("deadbeef");
    expect(errorOf(() => loadConfig(file(base), {}))).to.equal(
      "invalid config: privateKey: set exactly one of privateKey and keystoreFile",
    );
    expect(errorOf(() => loadConfig(file("{ not json"), {}))).to.match(/is not valid JSON$/);
    expect(errorOf(() => loadConfig(join(dir, "missing.json"), {}))).to.match(/cannot be read$/);
    expect(badKey.split("\n")).to.have.length(1);
  });

  it("never reads an unknown boolean or number from the environment as a default: KEEPER_DRY_RUN=yes is an error", () => {
    const load = (env: Record<string, string>) => loadConfig(file({ ...base, privateKey: KEY }), env);
    expect(errorOf(() => load({ KEEPER_DRY_RUN: "yes" }))).to.equal(
      'invalid config: KEEPER_DRY_RUN: must be true, false, 1 or 0, got "yes"',
    );
    for (const value of ["on", "TRUE ", "no", "2"]) expect(errorOf(() => load({ KEEPER_DRY_RUN: value }))).to.match(/KEEPER_DRY_RUN/);
    expect(load({ KEEPER_DRY_RUN: "true" }).dryRun).to.equal(true);
    expect(load({ KEEPER_DRY_RUN: "1" }).dryRun).to.equal(true);
    expect(load({ KEEPER_DRY_RUN: "0" }).dryRun).to.equal(false);
    expect(errorOf(() => load({ KEEPER_CONFIRMATIONS: "2 blocks" }))).to.match(/^invalid config: KEEPER_CONFIRMATIONS: must be a number/);
    expect(errorOf(() => load({ KEEPER_POLL_INTERVAL_MS: "0x10" }))).to.match(/KEEPER_POLL_INTERVAL_MS: must be a number/);
    expect(errorOf(() => load({ KEEPER_CHAIN_ID: "1e3" }))).to.match(/KEEPER_CHAIN_ID: must be a number/);
    // In the file, JSON types are not coerced either.
    expect(errorOf(() => loadConfig(file({ ...base, privateKey: KEY, dryRun: "yes" }), {}))).to.match(/^invalid config: dryRun: /);
    expect(errorOf(() => loadConfig(file({ ...base, privateKey: KEY, confirmations: "2" }), {}))).to.match(
      /^invalid config: confirmations: /,
    );
  });

  it("rejects a misspelt field instead of silently using the default", () => {
    expect(errorOf(() => loadConfig(file({ ...base, privateKey: KEY, dryrun: true }), {}))).to.equal(
      'invalid config: unknown field "dryrun"',
    );
    expect(errorOf(() => loadConfig(file([1, 2]), {}))).to.match(/is not a JSON object$/);
  });

  it("sets every field from the environment, under the names the README documents", () => {
    const names = Object.keys(keeperConfigSchema.shape).map((f) => envName(f as never));
    expect(names).to.include.members([
      "KEEPER_MAX_FEE_PER_GAS_GWEI",
      "KEEPER_MAX_PRIORITY_FEE_PER_GAS_GWEI",
      "KEEPER_FEE_BUMP_PERCENT",
      "KEEPER_HEALTH_MAX_TICK_AGE_MS",
      "KEEPER_METRICS_HOST",
      "KEEPER_DRY_RUN",
      "LOG_LEVEL",
    ]);
    const config = loadConfig(undefined, {
      KEEPER_RPC_URLS: "http://a.test",
      KEEPER_CHAIN_ID: "5",
      KEEPER_ADDRESS_BOOK: "book.json",
      KEEPER_PRIVATE_KEY: KEY,
      KEEPER_MAX_FEE_PER_GAS_GWEI: "35.5",
      KEEPER_MAX_PRIORITY_FEE_PER_GAS_GWEI: "1.5",
      KEEPER_FEE_BUMP_PERCENT: "20",
      KEEPER_HEALTH_MAX_TICK_AGE_MS: "45000",
      KEEPER_METRICS_HOST: "0.0.0.0",
      LOG_LEVEL: "debug",
    });
    expect(config).to.include({
      chainId: 5,
      maxFeePerGasGwei: 35.5,
      maxPriorityFeePerGasGwei: 1.5,
      feeBumpPercent: 20,
      healthMaxTickAgeMs: 45_000,
      metricsHost: "0.0.0.0",
      logLevel: "debug",
    });
    expect(errorOf(() => loadConfig(file({ ...base, privateKey: KEY }), { LOG_LEVEL: "loud" }))).to.match(/^invalid config: logLevel: /);
    // The README's table names each field with its variable.
    const readme = readFileSync("README.md", "utf8");
    const section = readme.slice(readme.indexOf("## Run a keeper"), readme.indexOf("## Benchmarks"));
    for (const field of Object.keys(keeperConfigSchema.shape)) {
      expect(section, field).to.match(new RegExp(`^\\| \`${field}\` \\| \`${envName(field as never)}\``, "m"));
    }
  });

  it("reads the order settings: execution on by default, batch cap bounded, Hermes endpoints per market id as JSON", () => {
    const config = loadConfig(file({ ...base, privateKey: KEY }), {});
    expect(config).to.deep.include({ executeOrders: true, maxOrdersPerBatch: 50, hermesEndpoints: {} });
    const fromEnv = loadConfig(file({ ...base, privateKey: KEY }), {
      KEEPER_EXECUTE_ORDERS: "0",
      KEEPER_HERMES_ENDPOINTS: '{"1":"https://hermes.example/"}',
    });
    expect(fromEnv.executeOrders).to.equal(false);
    expect(fromEnv.hermesEndpoints).to.deep.equal({ "1": "https://hermes.example/" });
    expect(errorOf(() => loadConfig(file({ ...base, privateKey: KEY }), { KEEPER_HERMES_ENDPOINTS: "1=https://h.example" }))).to.equal(
      'invalid config: KEEPER_HERMES_ENDPOINTS: must be a JSON object, got "1=https://h.example"',
    );
    expect(errorOf(() => loadConfig(file({ ...base, privateKey: KEY, hermesEndpoints: { ETH: "https://h.example" } }), {}))).to.match(
      /^invalid config: hermesEndpoints\.ETH: keys must be market ids/,
    );
    expect(errorOf(() => loadConfig(file({ ...base, privateKey: KEY, maxOrdersPerBatch: 0 }), {}))).to.match(
      /^invalid config: maxOrdersPerBatch: /,
    );
  });

  it("needs no key for read-only use (status)", () => {
    expect(loadConfig(file(base), {}, { needsSigner: false }).privateKey).to.equal(undefined);
  });

  it("signs with a raw key, or with an encrypted keystore and its password", async () => {
    expect(await loadSigningKey(loadConfig(file({ ...base, privateKey: KEY }), {}))).to.equal(KEY);
    // A cheap scrypt cost keeps the test fast; the keeper reads any standard cost.
    const keystore = file(
      await encryptKeystoreJson({ address: new Wallet(KEY).address, privateKey: KEY }, "correct horse", { scrypt: { N: 1024 } }),
    );
    const config = loadConfig(file({ ...base, keystoreFile: keystore }), {});
    expect(await loadSigningKey(config, { KEEPER_KEYSTORE_PASSWORD: "correct horse" })).to.equal(KEY);
    const wrong = await loadSigningKey(config, { KEEPER_KEYSTORE_PASSWORD: "battery staple" }).catch((e: Error) => e);
    expect(wrong).to.be.instanceOf(ConfigError);
    expect((wrong as Error).message).to.match(/wrong password/);
    expect(((await loadSigningKey(config, {}).catch((e: Error) => e)) as Error).message).to.match(/KEEPER_KEYSTORE_PASSWORD/);
  });
});
