// EIP-1559 fee choice for keeper transactions: the node's estimate, never above the operator's
// caps, and, to replace a stuck transaction, a bump of at least the configured percentage on both
// fields (nodes reject a replacement that is not at least 10% dearer).
export interface Fees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

const min = (a: bigint, b: bigint) => (a < b ? a : b);
const max = (a: bigint, b: bigint) => (a > b ? a : b);

export function cappedFees(estimate: Fees, cap: Fees): Fees {
  const maxPriorityFeePerGas = min(estimate.maxPriorityFeePerGas, cap.maxPriorityFeePerGas);
  // A tip above the fee cap is invalid; the cap on the fee wins.
  const maxFeePerGas = max(min(estimate.maxFeePerGas, cap.maxFeePerGas), maxPriorityFeePerGas);
  return { maxFeePerGas, maxPriorityFeePerGas: min(maxPriorityFeePerGas, maxFeePerGas) };
}

/** Rounds up, so a bump is never a hair under the percentage a node demands. */
const bump = (value: bigint, percent: number) => (value * BigInt(100 + percent) + 99n) / 100n;

/**
 * The fees for a replacement: the previous ones bumped by `percent` (at least), or the current
 * estimate when the market moved further. Undefined when the bump would break a cap: the stuck
 * transaction then waits at the cap rather than overpaying.
 */
export function replacementFees(previous: Fees, estimate: Fees, cap: Fees, percent: number): Fees | undefined {
  const next = {
    maxFeePerGas: max(bump(previous.maxFeePerGas, percent), estimate.maxFeePerGas),
    maxPriorityFeePerGas: max(bump(previous.maxPriorityFeePerGas, percent), estimate.maxPriorityFeePerGas),
  };
  if (next.maxFeePerGas > cap.maxFeePerGas || next.maxPriorityFeePerGas > cap.maxPriorityFeePerGas) return undefined;
  return next;
}
