// Keeper reaction latency on a real local node: from handing the node the (pre-signed) price update
// that makes a position liquidatable to the keeper handing the node its liquidation (`broadcastAt`
// of "transaction sent" in its log). Mining the price block counts against the keeper.
// Part of `npm run bench` (options --latency-rounds, --latency-positions; poll and websocket below).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  devWallet,
  freshProvider,
  fundedRandomWallet,
  openPositionFor,
  protocolAt,
  seedVault,
  startLocalChain,
  startProcess,
  stopProcess,
} from "../lib/localChain.ts";

export interface LatencyOptions {
  rounds: number;
  /** Healthy background positions the keeper scans on every tick. */
  positions: number;
  pollMs: number;
  /** Wake the keeper at each new head over a websocket. */
  ws: boolean;
}
export interface LatencyResult extends LatencyOptions {
  p50Ms: number;
  p90Ms: number;
  maxMs: number;
  minMs: number;
}

export async function measureLatency(options: LatencyOptions): Promise<LatencyResult> {
  const { rounds, positions: background, pollMs: POLL_MS } = options;
  const dir = mkdtempSync(join(tmpdir(), "keeper-latency-"));
  const bookPath = join(dir, "book.json");
  const { rpcUrl, node } = await startLocalChain(bookPath);
  let keeper: ReturnType<typeof startProcess> | undefined;
  try {
    const provider = freshProvider(rpcUrl);
    const owner = devWallet(0, provider);
    const { feed } = await protocolAt(bookPath, owner);
    await seedVault(bookPath, owner, "10000000");

    // A fresh account per position: one position per account and market.
    const freshTrader = () => fundedRandomWallet(provider);
    // A healthy book for the keeper to scan on every tick: both sides, 1x-15x leverage, so the ADL
    // queue spreads over many buckets (hint 0 starts at a bucket's head and walks a bounded distance).
    for (let i = 0; i < background; i++) {
      await openPositionFor(bookPath, await freshTrader(), i % 2 ? "1" : "-1", String(200 + ((i * 397) % 2800)));
    }

    const config = {
      rpcUrls: [rpcUrl],
      chainId: 31337,
      privateKey: devWallet(19, provider).privateKey,
      addressBook: bookPath,
      pollIntervalMs: POLL_MS,
      ...(options.ws ? { wsUrl: rpcUrl.replace(/^http/, "ws") } : {}), // new heads wake the keeper
      metricsPort: 0,
      stateFile: join(dir, "state.json"),
    };
    writeFileSync(join(dir, "keeper.json"), JSON.stringify(config));
    keeper = startProcess("node", ["keeper/cli.ts", "run", "--config", join(dir, "keeper.json")], /keeper started/);
    await keeper.done;

    const sentTimes = () =>
      keeper!
        .output()
        .split("\n")
        .filter((line) => line.includes('"msg":"transaction sent"'))
        .map((line) => JSON.parse(line).broadcastAt as number);
    const latencies: number[] = [];
    for (let r = 0; r < rounds; r++) {
      await (await feed.setAnswer(3000_00000000n)).wait();
      await openPositionFor(bookPath, await freshTrader(), "10", "1600"); // liquidatable below ~$2,890
      await new Promise((resolve) => setTimeout(resolve, 3 * POLL_MS)); // the keeper indexes it
      const priceUpdate = await owner.signTransaction(
        await owner.populateTransaction(await feed.setAnswer.populateTransaction(2850_00000000n)),
      );
      const seen = sentTimes().length;
      const start = Date.now();
      await provider.send("eth_sendRawTransaction", [priceUpdate]);
      for (let i = 0; i < 500 && sentTimes().length === seen; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      const sent = sentTimes()[seen];
      if (sent === undefined) throw new Error(`round ${r}: no liquidation sent within 5 s\n${keeper.output().slice(-2000)}`);
      latencies.push(sent - start);
      await new Promise((resolve) => setTimeout(resolve, 3 * POLL_MS)); // let it confirm before the next round
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
    return { ...options, p50Ms: pct(50), p90Ms: pct(90), maxMs: sorted.at(-1)!, minMs: sorted[0] };
  } finally {
    stopProcess(keeper?.child);
    stopProcess(node);
  }
}
