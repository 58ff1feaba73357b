// Runs `hardhat test` (Solidity unit, fuzz and invariant tests, then the mocha flows), streams its
// output, and ends with one machine-readable line: `N passed, N failed, N skipped`.
// Hardhat prints its own summary in a different shape and counts pending mocha tests as passing.
import { spawn, spawnSync } from "node:child_process";

// The SDK's flow tests import the built package (sdk/dist), whose ABIs are generated from the
// artifacts: build it first, so that a contract change reaches them. A failed build is a failed run.
const sdkBuild = spawnSync("npm", ["run", "--silent", "sdk:build"], { stdio: "inherit" });
if (sdkBuild.status !== 0) {
  console.log("0 passed, 1 failed, 0 skipped");
  process.exit(sdkBuild.status ?? 1);
}

const child = spawn("hardhat", ["test", ...process.argv.slice(2)], { stdio: ["inherit", "pipe", "pipe"] });
let output = "";
const capture = (chunk: Buffer, sink: NodeJS.WriteStream) => {
  output += chunk.toString();
  sink.write(chunk);
};
child.stdout.on("data", (chunk: Buffer) => capture(chunk, process.stdout));
child.stderr.on("data", (chunk: Buffer) => capture(chunk, process.stderr));

child.on("close", (code) => {
  // Hardhat's combined summary lines look like "12 passing (4 solidity, 8 mocha)".
  const combined = (word: string) => {
    const matches = [...output.matchAll(new RegExp(`^(\\d+) ${word} \\(`, "gm"))];
    return matches.length ? Number(matches.at(-1)![1]) : 0;
  };
  const skipped = [...output.matchAll(/^\s*(\d+) pending$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
  const passing = combined("passing");
  let failed = combined("failing");
  const exitCode = code ?? 1;
  // A crash before any test ran (compile error, bad config) must not read as a clean run.
  if (exitCode !== 0 && failed === 0) failed = 1;
  console.log(`${passing - skipped} passed, ${failed} failed, ${skipped} skipped`);
  process.exit(exitCode);
});
