// CI check on the compiled contracts (run after `hardhat compile`):
// 1. every deployable product contract stays under a bytecode budget below EIP-170's 24,576 bytes,
//    so that a fix never has to wait for a restructuring;
// 2. the engine and every module it runs by delegatecall declare the identical storage layout
//    (compared from the compiler's storageLayout output), since they share one storage.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

const BYTECODE_BUDGET = 23_000;
const PRODUCT_DIRS = ["adl", "core", "lens", "libraries", "modules", "oracle", "vault"];
const SHARED_STORAGE = ["PerpEngine", "LiquidationModule", "GovernanceModule", "OrderModule"];

interface Artifact {
  contractName: string;
  sourceName: string;
  deployedBytecode: string;
  abi: unknown[];
  buildInfoId: string;
}
interface StorageEntry {
  label: string;
  slot: string;
  offset: number;
  type: string;
}

function artifactsIn(dir: string): Artifact[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".json") && !file.endsWith(".dbg.json"))
    .map((file) => JSON.parse(readFileSync(join(dir, file), "utf8")) as Artifact)
    .filter((artifact) => artifact.deployedBytecode !== undefined);
}

function storageLayout(artifact: Artifact): StorageEntry[] {
  const output = JSON.parse(readFileSync(`artifacts/build-info/${artifact.buildInfoId}.output.json`, "utf8"));
  const compiled = output.output.contracts[`project/${artifact.sourceName}`]?.[artifact.contractName];
  if (!compiled?.storageLayout)
    throw new Error(`no storageLayout for ${artifact.contractName}: is outputSelection set in hardhat.config.ts?`);
  // Type ids carry AST numbers that differ between files; the label and position are what must match.
  return compiled.storageLayout.storage.map((e: StorageEntry & { astId: number; contract: string }) => ({
    label: e.label,
    slot: e.slot,
    offset: e.offset,
    type: e.type.replace(/\d+_storage/g, "storage"),
  }));
}

const failures: string[] = [];
const artifacts = PRODUCT_DIRS.flatMap((dir) => artifactsIn(join("artifacts/contracts", dir)));
console.log(`bytecode (budget ${BYTECODE_BUDGET} bytes):`);
for (const a of artifacts.sort((x, y) => x.contractName.localeCompare(y.contractName))) {
  const bytes = (a.deployedBytecode.length - 2) / 2;
  // Abstract contracts and interfaces have no code; internal-only libraries no ABI: neither is deployed.
  if (bytes === 0 || a.abi.length === 0) continue;
  const over = bytes > BYTECODE_BUDGET;
  console.log(`  ${a.contractName.padEnd(22)} ${String(bytes).padStart(6)}${over ? "  OVER BUDGET" : ""}`);
  if (over) failures.push(`${a.contractName} is ${bytes} bytes, over the ${BYTECODE_BUDGET}-byte budget`);
}

const [reference, ...modules] = SHARED_STORAGE.map((name) => {
  const artifact = artifacts.find((a) => a.contractName === name);
  if (!artifact) throw new Error(`artifact ${name} not found`);
  return { name, layout: storageLayout(artifact) };
});
const expected = JSON.stringify(reference.layout);
for (const m of modules) {
  const same = JSON.stringify(m.layout) === expected;
  console.log(`storage layout ${m.name} vs ${reference.name}: ${same ? "identical" : "DIFFERENT"} (${m.layout.length} variables)`);
  if (!same) failures.push(`${m.name}'s storage layout differs from ${reference.name}'s`);
}

if (failures.length > 0) {
  for (const f of failures) console.error(`check-contracts: ${f}`);
  process.exit(1);
}
