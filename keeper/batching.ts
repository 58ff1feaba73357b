// How many positions go into one liquidateBatch call: as many as fit the block gas limit, so that a
// crash is cleared in as few blocks as the chain allows. A keeper sends one transaction at a time
// and waits for it to be mined, so a batch that fills a fraction of a block leaves the rest of that
// block unused; 20 positions a call (the old fixed size) used under a tenth of a 30M-gas block.

/** Gas assumed per entry until a batch has been measured: a standalone full liquidation, more
 * than an entry of a batch costs (the call's own costs are shared). */
const UNMEASURED_ENTRY_GAS = 150_000;
/** Share of the block gas limit a batch is sized for: the rest absorbs entries dearer than the
 * last batch's average (a bankrupt one drawing insurance, a partial one relinking its bucket). */
const BLOCK_SHARE = 0.85;
/** The batch's own cost around its entries: the transaction, the engine's delegatecall and the
 * module's 60k gas reserve (LiquidationModule.BATCH_GAS_RESERVE). */
const BATCH_OVERHEAD_GAS = 150_000n;

export class LiquidationBatcher {
  private readonly maxEntries: number;
  private entryGas = UNMEASURED_ENTRY_GAS;

  /** `maxEntries`: the operator's cap (config.batchSize). */
  constructor(maxEntries: number) {
    this.maxEntries = maxEntries;
  }

  /** Entries for the next batch under `blockGasLimit`, at least one. */
  size(blockGasLimit: bigint): number {
    const fitting = Math.floor((Number(blockGasLimit) * BLOCK_SHARE) / this.entryGas);
    return Math.max(1, Math.min(this.maxEntries, fitting));
  }

  /** Gas for a batch of `entries`: half again the measured gas per entry each, plus the batch's own
   * reserve, so that no entry is skipped for want of the gas an estimate left out. */
  gasFor(entries: number): bigint {
    return BigInt(Math.ceil(entries * this.entryGas * 1.5)) + BATCH_OVERHEAD_GAS;
  }

  /** A batch failed in simulation (a batch the block cannot hold fails as FailedCall, out of gas
   * inside the module): assume twice the gas per entry, so the next batch is half the size. */
  failed() {
    this.entryGas *= 2;
  }

  /** Learns the gas per entry from a mined batch. */
  observe(entries: number, gasUsed: bigint) {
    if (entries > 0) this.entryGas = Math.max(1, Number(gasUsed) / entries);
  }
}
