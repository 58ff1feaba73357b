// Splits simulated order executions into executeOrders batches. Each entry's gas is its own
// executeOrder estimate: a batch catches an entry that runs out of gas and skips it, so the
// batch's own estimate could come out low, while a single executeOrder reverts FillOutOfGas and
// its estimate is the real cost.

/** Share of the block gas limit one batch may fill, the rest left for entries dearer than estimated. */
const BLOCK_SHARE_PERCENT = 85n;
/** An entry's cost in a batch above its standalone estimate: the self-call frame and try/catch. */
const BATCH_ENTRY_OVERHEAD_GAS = 30_000n;
/** The batch transaction's own cost around its entries. */
const BATCH_BASE_GAS = 60_000n;
/** Headroom on the sum: state can move between simulation and inclusion. */
const HEADROOM_PERCENT = 125n;

export interface Batch<T> {
  entries: T[];
  /** The gas limit to send it with: never under what its entries need. */
  gas: bigint;
}

export function gasBatches<T extends { gas: bigint }>(entries: T[], maxEntries: number, blockGasLimit: bigint): Batch<T>[] {
  const budget = (blockGasLimit * BLOCK_SHARE_PERCENT) / 100n;
  const batches: Batch<T>[] = [];
  let current: T[] = [];
  let gas = BATCH_BASE_GAS;
  const close = () => {
    if (current.length === 0) return;
    const withHeadroom = (gas * HEADROOM_PERCENT) / 100n;
    batches.push({ entries: current, gas: withHeadroom < blockGasLimit ? withHeadroom : blockGasLimit });
    current = [];
    gas = BATCH_BASE_GAS;
  };
  for (const entry of entries) {
    const cost = entry.gas + BATCH_ENTRY_OVERHEAD_GAS;
    if (current.length === maxEntries || (current.length > 0 && ((gas + cost) * HEADROOM_PERCENT) / 100n > budget)) close();
    current.push(entry);
    gas += cost;
  }
  close();
  return batches;
}
