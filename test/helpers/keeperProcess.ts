// The keeper CLI as a child process, with a config file written per run: for end-to-end tests.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { devPrivateKey, type StartedProcess, startProcess } from "../../scripts/lib/localChain.ts";

/** Writes a keeper config for the chain at `rpcUrl` (address book `dir`/book.json) and returns its path. */
export function keeperConfigFile(dir: string, rpcUrl: string, overrides: Record<string, unknown> = {}) {
  const path = join(dir, `config-${Math.random()}.json`);
  const config = {
    rpcUrls: [rpcUrl],
    chainId: 31337,
    privateKey: devPrivateKey(9),
    addressBook: join(dir, "book.json"),
    pollIntervalMs: 250,
    metricsPort: 0,
    stateFile: join(dir, "state.json"),
    ...overrides,
  };
  writeFileSync(path, JSON.stringify(config));
  return path;
}

/** Starts `keeper run` and resolves once it has started. */
export async function runKeeper(dir: string, rpcUrl: string, overrides: Record<string, unknown> = {}): Promise<StartedProcess> {
  const run = startProcess("node", ["keeper/cli.ts", "run", "--config", keeperConfigFile(dir, rpcUrl, overrides)], /keeper started/);
  await run.done;
  return run;
}

/** Polls `condition` every 250 ms until it holds or `tries` run out; returns whether it held. */
export async function eventually(condition: () => Promise<boolean>, tries = 80): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return condition();
}
