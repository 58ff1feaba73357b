// `npm run mutate`: hand-made mutation testing of the money, liquidation and ADL code.
// Applies each mutant of scripts/mutants.ts alone, compiles, runs only the tests it names, and
// prints a table and the kill rate. Exit code: 0 when every mutant is killed, 1 when one survives,
// 2 on an invalid mutant, a failing baseline or a crash.
//
// The mutants are applied to a copy of the project in a temporary directory, never to the sources
// themselves: Ctrl-C or a crash cannot leave a mutant behind. The run ends by checking that with
// `git diff --exit-code contracts`.
//
// Options: `--only id,id` runs a subset (the baseline still checks their tests);
// MUTATE_TIMEOUT_SECONDS bounds each hardhat invocation (default 900; a timeout counts as a kill).
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type MochaTarget, type Mutant, mutants as allMutants } from "./mutants.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const COPIED = ["contracts", "test", "client", "scripts", "keeper", "hardhat.config.ts", "package.json", "tsconfig.json", "remappings.txt"];
const TIMEOUT_MS = Number(process.env.MUTATE_TIMEOUT_SECONDS ?? 900) * 1000;

interface Run {
  ok: boolean;
  failing: boolean; // the output reports failing tests (a test run, not a crash)
  timedOut: boolean;
  passing: number;
  output: string;
}

interface Result {
  mutant: Mutant;
  outcome: "killed" | "survived" | "error";
  by: string;
  seconds: number;
}

let workDir: string | undefined;
let child: ChildProcess | undefined;

function removeWorkDir() {
  if (workDir && existsSync(workDir)) rmSync(workDir, { recursive: true, force: true });
  workDir = undefined;
}

function abort(signal: NodeJS.Signals) {
  if (child?.pid) {
    try {
      process.kill(-child.pid, "SIGKILL"); // the hardhat process group started below
    } catch {
      // already gone
    }
  }
  removeWorkDir();
  console.error(`\nmutate: interrupted by ${signal}; the sources were never modified (mutants live in a copy)`);
  process.exit(130);
}
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => abort(signal));

function fail(message: string): never {
  removeWorkDir();
  console.error(`mutate: ${message}`);
  process.exit(2);
}

/** Every mutant must apply to exactly one place, and change it. */
function validate(list: Mutant[]) {
  const ids = new Set<string>();
  for (const m of list) {
    if (ids.has(m.id)) fail(`duplicate mutant id ${m.id}`);
    ids.add(m.id);
    const source = readFileSync(join(ROOT, m.file), "utf8");
    const count = source.split(m.search).length - 1;
    if (count !== 1) fail(`mutant ${m.id}: its search string occurs ${count} times in ${m.file}, expected exactly once`);
    if (m.search === m.replace) fail(`mutant ${m.id}: replacement equals the original`);
    if (!m.mocha && !m.solidity?.length) fail(`mutant ${m.id} names no tests`);
    for (const file of [...(m.mocha?.files ?? []), ...(m.solidity ?? [])]) {
      if (!existsSync(join(ROOT, file))) fail(`mutant ${m.id}: test file ${file} does not exist`);
    }
  }
}

function makeWorkCopy() {
  workDir = mkdtempSync(join(tmpdir(), "mutate-"));
  // The benchmark harnesses are left out: no test uses them, and they would lengthen every compile.
  const skip = join(ROOT, "contracts", "bench");
  for (const entry of COPIED) cpSync(join(ROOT, entry), join(workDir, entry), { recursive: true, filter: (src) => src !== skip });
  symlinkSync(realpathSync(join(ROOT, "node_modules")), join(workDir, "node_modules"));
}

function hardhat(args: string[]): Promise<Run> {
  return new Promise((done) => {
    const bin = join(workDir!, "node_modules", ".bin");
    const proc = spawn(join(bin, "hardhat"), args, {
      cwd: workDir,
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, FORCE_COLOR: "0", NO_COLOR: "1" },
      detached: true, // its own process group, so that a signal can stop it and its workers
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = proc;
    let output = "";
    proc.stdout!.on("data", (chunk: Buffer) => (output += chunk));
    proc.stderr!.on("data", (chunk: Buffer) => (output += chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      process.kill(-proc.pid!, "SIGKILL");
    }, TIMEOUT_MS);
    proc.on("close", (code) => {
      clearTimeout(timer);
      child = undefined;
      const count = (word: string) => [...output.matchAll(new RegExp(`^\\s*(\\d+) ${word}`, "gm"))].reduce((n, m) => n + Number(m[1]), 0);
      const failing = count("failing");
      done({ ok: code === 0 && !timedOut, failing: failing > 0, timedOut, passing: count("passing"), output });
    });
  });
}

const needsSolidityTests = (m: Mutant) => (m.solidity?.length ?? 0) > 0;

function compile(withTests: boolean) {
  return hardhat(["compile", "--quiet", "--no-typechain", ...(withTests ? [] : ["--no-tests"])]);
}

function mochaArgs(t: MochaTarget) {
  return ["test", "mocha", "--no-compile", "--bail", ...(t.grep ? ["--grep", t.grep] : []), ...t.files];
}

/** Each of a mutant's test invocations, labelled for the table. */
function testRuns(m: Mutant): { label: string; args: string[] }[] {
  const runs = [];
  if (m.mocha) {
    const names = m.mocha.files.map((f) => f.replace(/^test\/flows\//, "")).join(" ");
    runs.push({ label: m.mocha.grep ? `${names} /${m.mocha.grep}/` : names, args: mochaArgs(m.mocha) });
  }
  if (m.solidity?.length) {
    runs.push({
      label: m.solidity.map((f) => f.replace(/^test\/solidity\//, "")).join(" "),
      args: ["test", "solidity", "--no-compile", ...m.solidity],
    });
  }
  return runs;
}

/** A hash of every contract's deployed code without its metadata trailer (which changes with comments). */
function codeFingerprint() {
  const hash = createHash("sha256");
  const dir = join(workDir!, "artifacts", "contracts");
  const files = readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".json") && !f.endsWith(".dbg.json"));
  for (const file of files.sort()) {
    const artifact = JSON.parse(readFileSync(join(dir, file), "utf8"));
    const code: string | undefined = artifact.deployedBytecode;
    if (!code || code.length <= 2) continue;
    const trailer = parseInt(code.slice(-4), 16) * 2 + 4; // CBOR length in the last two bytes
    hash.update(file).update(code.length > trailer ? code.slice(0, -trailer) : code);
  }
  return hash.digest("hex");
}

/** The tests of every selected mutant must pass, and run something, before any mutant is judged. */
async function checkBaseline(list: Mutant[]) {
  console.log("baseline: compiling the unmutated copy");
  const built = await compile(list.some(needsSolidityTests));
  if (!built.ok) fail(`the unmutated project does not compile:\n${built.output}`);
  const fingerprint = codeFingerprint();
  const seen = new Set<string>();
  for (const m of list) {
    for (const run of testRuns(m)) {
      if (seen.has(run.label)) continue;
      seen.add(run.label);
      const result = await hardhat(run.args);
      if (!result.ok || result.passing === 0) {
        fail(`baseline: ${run.label} must pass, and run at least one test, without any mutant:\n${result.output}`);
      }
      console.log(`baseline: ${run.label}: ${result.passing} passing`);
    }
  }
  return fingerprint;
}

async function judge(m: Mutant, baselineFingerprint: string): Promise<Result> {
  const started = Date.now();
  const path = join(workDir!, m.file);
  const original = readFileSync(path, "utf8");
  const seconds = () => Math.round((Date.now() - started) / 1000);
  try {
    writeFileSync(
      path,
      original.replace(m.search, () => m.replace),
    );
    const built = await compile(needsSolidityTests(m));
    if (!built.ok) {
      console.error(built.output);
      return { mutant: m, outcome: "error", by: "does not compile", seconds: seconds() };
    }
    if (codeFingerprint() === baselineFingerprint)
      return { mutant: m, outcome: "error", by: "compiled code unchanged", seconds: seconds() };
    const labels: string[] = [];
    for (const run of testRuns(m)) {
      labels.push(run.label);
      const result = await hardhat(run.args);
      if (result.timedOut) return { mutant: m, outcome: "killed", by: `${labels.join(" + ")} (timeout)`, seconds: seconds() };
      if (result.failing) return { mutant: m, outcome: "killed", by: labels.join(" + "), seconds: seconds() };
      if (!result.ok) {
        console.error(result.output);
        return { mutant: m, outcome: "error", by: `${run.label} crashed`, seconds: seconds() };
      }
    }
    return { mutant: m, outcome: "survived", by: labels.join(" + "), seconds: seconds() };
  } finally {
    writeFileSync(path, original);
  }
}

/** `git diff --exit-code contracts`: "" when the sources match the last commit. */
function contractsDiff() {
  const diff = spawnSync("git", ["diff", "--exit-code", "contracts"], { cwd: ROOT, encoding: "utf8" });
  if (diff.status !== 0 && diff.status !== 1) fail(`git diff failed: ${diff.stderr}`);
  return diff.stdout;
}

function printTable(results: Result[]) {
  const rows = [["mutant", "file", "tests run", "result", "time"]];
  for (const r of results) rows.push([r.mutant.id, r.mutant.file.replace(/^contracts\//, ""), r.by, r.outcome, `${r.seconds}s`]);
  const widths = rows[0].map((_, col) => Math.max(...rows.map((row) => row[col].length)));
  const line = (row: string[]) => row.map((cell, col) => cell.padEnd(widths[col])).join("  ");
  console.log(`\n${line(rows[0])}\n${widths.map((w) => "-".repeat(w)).join("  ")}`);
  for (const row of rows.slice(1)) console.log(line(row));
}

async function main() {
  const onlyArg = process.argv.indexOf("--only");
  const only = onlyArg >= 0 ? new Set(process.argv[onlyArg + 1].split(",")) : undefined;
  const list = only ? allMutants.filter((m) => only.has(m.id)) : allMutants;
  if (only && list.length !== only.size)
    fail(`unknown mutant id in --only: ${[...only].filter((id) => !list.some((m) => m.id === id)).join(", ")}`);
  validate(list);

  const started = Date.now();
  const diffBefore = contractsDiff();
  if (diffBefore !== "") console.warn("mutate: contracts/ has uncommitted changes; the mutants apply to them as they are");
  makeWorkCopy();
  console.log(`mutate: ${list.length} mutants, working in ${workDir}`);
  const fingerprint = await checkBaseline(list);
  const results: Result[] = [];
  for (const [i, m] of list.entries()) {
    const result = await judge(m, fingerprint);
    results.push(result);
    console.log(`[${i + 1}/${list.length}] ${m.id}: ${result.outcome} (${result.by}, ${result.seconds}s)`);
  }
  removeWorkDir();

  printTable(results);
  const killed = results.filter((r) => r.outcome === "killed").length;
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  console.log(`\nkill rate: ${killed}/${results.length} (${((100 * killed) / results.length).toFixed(0)}%), ${minutes} min`);

  const diffAfter = contractsDiff();
  if (diffAfter !== diffBefore) fail(`contracts/ changed during the run:\n${diffAfter}`);
  console.log(diffAfter === "" ? "git diff --exit-code contracts: clean" : "contracts/ has the same uncommitted changes as before the run");

  if (results.some((r) => r.outcome === "error")) process.exit(2);
  process.exit(killed === results.length ? 0 : 1);
}

main().catch((error) => fail(String(error?.stack ?? error)));
