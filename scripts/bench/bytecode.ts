// Deployed bytecode size of every deployable contract, read from the compiled artifacts (run after
// `hardhat compile`). Benchmark harnesses and test mocks are not deployed, so they are left out.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

const SKIPPED_DIRS = new Set(["bench", "mocks", "test"]);

interface Artifact {
  contractName: string;
  deployedBytecode?: string;
  abi: unknown[];
  deployedLinkReferences?: Record<string, Record<string, unknown>>;
}

/** Bytes of deployed code per contract name, sorted by name. */
export function bytecodeSizes(artifactsDir = "artifacts/contracts"): Record<string, number> {
  const artifacts = readdirSync(artifactsDir, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".json") && !file.endsWith(".dbg.json") && !SKIPPED_DIRS.has(file.split("/")[0]))
    .map((file) => JSON.parse(readFileSync(join(artifactsDir, file), "utf8")) as Artifact);
  // Linked (external) libraries are deployed on their own; their functions take storage
  // pointers, so they have no ABI.
  const linked = new Set(artifacts.flatMap((a) => Object.values(a.deployedLinkReferences ?? {}).flatMap((refs) => Object.keys(refs))));
  const sizes: [string, number][] = [];
  for (const artifact of artifacts) {
    const bytes = ((artifact.deployedBytecode ?? "0x").length - 2) / 2;
    // Interfaces and abstract contracts have no code; internal-only libraries are inlined.
    if (bytes > 0 && (artifact.abi.length > 0 || linked.has(artifact.contractName))) sizes.push([artifact.contractName, bytes]);
  }
  return Object.fromEntries(sizes.sort(([a], [b]) => a.localeCompare(b)));
}
