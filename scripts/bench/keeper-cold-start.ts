// A fresh keeper's cold start on a big book: part of `npm run bench` (option --cold-start-positions).
//
// The storm's chain (anvil, the EngineBench harness, `positions` seeded; scripts/bench/storm-chain.ts)
// and the real keeper daemon, started twice, each time timed from its spawn to its log line "first
// tick complete" (index built, every position scanned, candidates checked on-chain):
// - from events: no state file, so it reads every PositionUpdated log from the deployment block;
// - from chain state: a state file whose last indexed block hash the chain does not have, so it
//   takes the path of a deep reorg and rebuilds its index from the lens (500 accounts a call).
// The keeper's peak resident memory (VmHWM) is read from /proc while it runs: the keeper's own
// process, its whole index in memory.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stopProcess } from "../lib/localChain.ts";
import { startKeepers, startSeededChain } from "./storm-chain.ts";

export interface ColdStartResult {
  positions: number;
  fromEventsSec: number;
  fromChainStateSec: number;
  /** Peak RSS of the keeper process (the larger of the two starts). */
  peakRssMb: number;
}

/** Peak resident memory of a running process, from Linux's /proc. */
function peakRssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").match(/VmHWM:\s+(\d+) kB/);
  return line ? Math.round(Number(line[1]) / 1024) : 0;
}

/** Starts one keeper, waits for its first complete tick, returns the time from spawn and its peak RSS. */
async function timedStart(dir: string, rpcUrl: string) {
  const started = Date.now();
  const [keeper] = startKeepers(dir, rpcUrl, 1, {});
  try {
    for (let waited = 0; !/"first tick complete"/.test(keeper.output()); waited += 100) {
      if (keeper.child.exitCode !== null) throw new Error(`cold start: the keeper exited:\n${keeper.output().slice(-2000)}`);
      if (waited > 600_000) throw new Error("cold start: no complete tick within 600 s");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return { seconds: (Date.now() - started) / 1000, rssMb: peakRssMb(keeper.child.pid!) };
  } finally {
    stopProcess(keeper.child);
    await new Promise((resolve) => keeper.child.once("exit", resolve));
  }
}

export async function measureColdStart(positions: number): Promise<ColdStartResult> {
  const dir = mkdtempSync(join(tmpdir(), "cold-start-"));
  const { anvil, ethers, rpcUrl } = await startSeededChain(dir, 30_000_000, positions);
  try {
    const fromEvents = await timedStart(dir, rpcUrl);
    // A state file at the head, but naming a block hash the chain does not have: a deep reorg.
    const state = JSON.parse(readFileSync(join(dir, "state-0.json"), "utf8"));
    const head = await ethers.provider.getBlockNumber();
    writeFileSync(
      join(dir, "state-0.json"),
      JSON.stringify({ ...state, nextBlock: String(head + 1), lastBlockHash: `0x${"ab".repeat(32)}`, open: {} }),
    );
    const fromChainState = await timedStart(dir, rpcUrl);
    const round = (s: number) => Math.round(s * 10) / 10;
    return {
      positions,
      fromEventsSec: round(fromEvents.seconds),
      fromChainStateSec: round(fromChainState.seconds),
      peakRssMb: Math.max(fromEvents.rssMb, fromChainState.rssMb),
    };
  } finally {
    stopProcess(anvil);
  }
}
