// Splits simulated order executions into executeOrders batches. Each entry's gas is its own
// executeOrder estimate: a batch catches an entry that runs out of gas and skips it, so the
// batch's own estimate can come out low, while a single executeOrder reverts FillOutOfGas and its
// estimate is the real cost. A standalone estimate is an upper bound on the entry's cost inside a
// batch (measured: ~413k alone, ~175k each in a batch of 10, whose storage reads are warm and whose
// transaction cost is shared), so the sum of the estimates is the batch's gas floor.

/** The most gas one transaction may use since Osaka (EIP-7825), whatever the block's limit. */
export const TX_GAS_CAP = 16_777_216n;
/** Share of the usable gas one batch may fill, the rest left for entries dearer than estimated. */
const BUDGET_SHARE_PERCENT = 85n;
/** The batch's own cost around its entries, and the deeper call frame of each entry (63/64 rule). */
const BATCH_BASE_GAS = 60_000n;

export interface Batch<T> {
  entries: T[];
  /** The gas limit to send it with: never under what its entries need. */
  gas: bigint;
}

/** The gas one transaction may use: the block's limit, or the per-transaction cap below it. */
export const usableGas = (blockGasLimit: bigint) => (blockGasLimit < TX_GAS_CAP ? blockGasLimit : TX_GAS_CAP);

/** Entries in order, at most `maxEntries` a batch and within 85% of the usable gas (one entry at least). */
export function gasBatches<T extends { gas: bigint }>(entries: T[], maxEntries: number, blockGasLimit: bigint): Batch<T>[] {
  const budget = (usableGas(blockGasLimit) * BUDGET_SHARE_PERCENT) / 100n;
  const batches: Batch<T>[] = [];
  let current: Batch<T> = { entries: [], gas: BATCH_BASE_GAS };
  for (const entry of entries) {
    if (current.entries.length === maxEntries || (current.entries.length > 0 && current.gas + entry.gas > budget)) {
      batches.push(current);
      current = { entries: [], gas: BATCH_BASE_GAS };
    }
    current.entries.push(entry);
    current.gas += entry.gas;
  }
  if (current.entries.length > 0) batches.push(current);
  return batches;
}
