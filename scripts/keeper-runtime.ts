// The files the keeper needs at run time, and nothing else: its source (followed from keeper/cli.ts
// through its runtime imports, so including the ABIs it imports from sdk/src/abis.ts, which `npm run
// sdk:abis` generates first), and the installed packages it imports with their own dependencies
// (resolved through package-lock.json). The Dockerfile's runtime stage is exactly this set, so
// Hardhat, solc, the build artifacts and the test tools never reach the image.
//
//   node scripts/keeper-runtime.ts --list       prints the set, one path per line
//   node scripts/keeper-runtime.ts --out DIR    copies it to DIR (with a package.json), ready to run
//                                               as `node keeper/cli.ts run` from DIR
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const ENTRY = "keeper/cli.ts";

/** Specifiers of the imports that exist at run time (`import type` is erased by type stripping). */
function runtimeImports(source: string): string[] {
  const specifiers: string[] = [];
  const pattern = /^\s*(?:import|export)\s+(?!type\s)(?:[^"';]*?\sfrom\s+)?["']([^"']+)["']/gm;
  for (const match of source.matchAll(pattern)) specifiers.push(match[1]);
  return specifiers;
}

const packageName = (specifier: string) =>
  specifier
    .split("/")
    .slice(0, specifier.startsWith("@") ? 2 : 1)
    .join("/");
const isBuiltin = (specifier: string) => specifier.startsWith("node:") || builtinModules.includes(specifier.split("/")[0]);

/** The generated ABI module is the one source a fresh clone lacks. */
const missing = (path: string) =>
  new Error(`keeper-runtime: ${path} is missing (run \`npm run sdk:abis\` first: it generates sdk/src/abis.ts)`);

/** The keeper's source files and the packages they import by name. */
function sourcesAndPackages() {
  const sources = new Set<string>();
  const packages = new Set<string>();
  const pending = [ENTRY];
  while (pending.length) {
    const file = pending.pop()!;
    if (sources.has(file)) continue;
    sources.add(file);
    if (!existsSync(join(root, file))) throw missing(file);
    for (const specifier of runtimeImports(readFileSync(join(root, file), "utf8"))) {
      if (specifier.startsWith(".")) pending.push(normalize(join(dirname(file), specifier)));
      else if (!isBuiltin(specifier)) packages.add(packageName(specifier));
    }
  }
  return { sources: [...sources].sort(), packages };
}

interface LockEntry {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** Type declarations are erased before anything runs (ethers lists @types/node as a dependency). */
const typesOnly = (name: string) => name.startsWith("@types/");

/** The installed package directories `names` need, found the way Node resolves them. */
function packageClosure(names: Set<string>): string[] {
  const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as { packages: Record<string, LockEntry> };
  const found = new Set<string>();
  const resolve = (from: string, name: string): string | undefined => {
    // From "node_modules/a/node_modules/b", look in its own node_modules, then each enclosing one.
    for (let dir = from; ; dir = dir.slice(0, Math.max(0, dir.lastIndexOf("/node_modules/")))) {
      const candidate = `${dir ? `${dir}/` : ""}node_modules/${name}`;
      if (lock.packages[candidate] && existsSync(join(root, candidate))) return candidate;
      if (!dir) return undefined;
    }
  };
  const visit = (from: string, name: string, required: boolean) => {
    const path = resolve(from, name);
    if (!path) {
      if (required) throw new Error(`keeper-runtime: package ${name} (needed by ${from || "the keeper"}) is not installed`);
      return; // an optional or peer dependency that is not installed for this platform
    }
    if (found.has(path)) return;
    found.add(path);
    const entry = lock.packages[path];
    const optionalPeer = (dep: string) => entry.peerDependenciesMeta?.[dep]?.optional === true;
    for (const dep of Object.keys(entry.dependencies ?? {})) if (!typesOnly(dep)) visit(path, dep, true);
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) visit(path, dep, false);
    // A peer marked optional (viem's typescript) is for type checking; the others are needed.
    for (const dep of Object.keys(entry.peerDependencies ?? {})) if (!optionalPeer(dep)) visit(path, dep, true);
  };
  for (const name of names) visit("", name, true);
  return [...found].sort();
}

export function keeperRuntimeFiles(): string[] {
  const { sources, packages } = sourcesAndPackages();
  return [...sources, ...packageClosure(packages)];
}

function copyTo(out: string) {
  for (const path of keeperRuntimeFiles()) {
    if (!existsSync(join(root, path))) throw missing(path);
    mkdirSync(dirname(join(out, path)), { recursive: true });
    cpSync(join(root, path), join(out, path), { recursive: true });
  }
  // The sources are ES modules run by Node's type stripping.
  writeFileSync(
    join(out, "package.json"),
    JSON.stringify({ name: "ranked-adl-perps-keeper", private: true, type: "module" }, null, 2) + "\n",
  );
}

const [flag, out] = process.argv.slice(2);
if (flag === "--list") process.stdout.write(keeperRuntimeFiles().join("\n") + "\n");
else if (flag === "--out" && out) {
  copyTo(out);
  process.stdout.write(`keeper runtime copied to ${relative(process.cwd(), out) || "."}\n`);
} else {
  process.stderr.write("usage: node scripts/keeper-runtime.ts --list | --out DIR\n");
  process.exit(2);
}
