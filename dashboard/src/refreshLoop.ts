// The block-driven refresh: polls the block number and, on each new block (or when a panel asks,
// e.g. after a lookup or a trade), refreshes every panel at once. One refresh at a time; a panel's
// own failure stays in that panel, a node that does not answer raises the page's banner.
import { describeError } from "./errors.ts";
import { isUnreachable } from "./chain.ts";

export interface Panel {
  /** Re-reads and re-renders for `block`. */
  refresh(block: bigint): Promise<void>;
  /** Shows a failure of its last refresh in place of stale numbers. */
  fail(message: string): void;
}

export interface RefreshStatus {
  block: bigint | null;
  /** The node did not answer: why, for the banner; null once it answers again. */
  unreachable: string | null;
  refreshMs: number;
}

/** Often enough that a dashboard follows a 1-2 s L2 block; a 12 s L1 costs one cheap eth_blockNumber a poll. */
export const POLL_INTERVAL_MS = 500;

export function startRefreshLoop(getBlockNumber: () => Promise<bigint>, panels: Panel[], onStatus: (status: RefreshStatus) => void) {
  let lastBlock: bigint | null = null;
  let forced = true;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function refreshPanels(block: bigint) {
    let unreachable: string | null = null;
    await Promise.all(
      panels.map((panel) =>
        panel.refresh(block).catch((error: unknown) => {
          if (isUnreachable(error)) unreachable = describeError(error);
          else panel.fail(describeError(error));
        }),
      ),
    );
    return unreachable;
  }

  async function tick() {
    const started = performance.now();
    try {
      const block = await getBlockNumber();
      if (block === lastBlock && !forced) return;
      forced = false;
      const unreachable = await refreshPanels(block);
      if (unreachable) throw new Error(unreachable);
      lastBlock = block;
      onStatus({ block, unreachable: null, refreshMs: performance.now() - started });
    } catch (error) {
      forced = true; // once the node is back, refresh even if the block did not move
      onStatus({ block: lastBlock, unreachable: describeError(error), refreshMs: performance.now() - started });
    }
  }

  // Ticks run one after another on this queue, whether the timer or refreshNow asked for them.
  let queue: Promise<void> = Promise.resolve();
  const run = () => (queue = queue.then(tick));
  function loop() {
    if (stopped) return;
    void run().finally(() => {
      if (!stopped) timer = setTimeout(loop, POLL_INTERVAL_MS);
    });
  }

  loop();
  return {
    /** Refreshes after the tick under way, if any, whether or not a block came. */
    refreshNow() {
      forced = true;
      return run();
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
