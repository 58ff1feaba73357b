// How a crash's liquidations are cut into liquidateBatch transactions, so that they fill blocks.
//
// A node includes a transaction while its gas limit fits the block's gas left, and gas refunds
// (a liquidation clears storage) leave up to a fifth of a transaction's gas limit unused. One
// block-sized transaction therefore fills at most ~80% of a block; transactions of an eighth of a
// block, sent back to back, fill it to within the last one's unused share (~90%, measured by the
// crash storm). A batch sized short of its gas limit costs little (the block takes one more
// transaction); one sized over it runs out of gas at its last entries, which then wait a tick.

/** Gas assumed per liquidated entry until a batch has been measured: a bankrupt liquidation that
 * also runs ADL fills costs ~180k in a batch; a plain one ~60k. Assuming more only means smaller,
 * more numerous transactions; assuming less overfills them. */
const UNMEASURED_ENTRY_GAS = 200_000;
/** Transactions per block: each batch's gas limit is this fraction of the block gas limit. */
const BATCHES_PER_BLOCK = 8n;
/** The batch's own cost around its entries: the transaction, the engine's delegatecall and the
 * module's 60k gas reserve (LiquidationModule.BATCH_GAS_RESERVE). */
const BATCH_OVERHEAD_GAS = 150_000n;
/** Share of a batch's gas the entries are sized to, from their net (after refund) gas: the
 * execution before refunds is up to a quarter more than the receipt's gasUsed. */
const NET_TO_EXECUTION = 0.8;

export class LiquidationBatcher {
  private readonly maxEntries: number;
  private entryGas = UNMEASURED_ENTRY_GAS;

  /** `maxEntries`: the operator's cap (config.batchSize). */
  constructor(maxEntries: number) {
    this.maxEntries = maxEntries;
  }

  /** Gas limit of one batch under `blockGasLimit`: an eighth of the block, but always room for a
   * few of the dearest entries (a partial liquidation that walks its bucket for the hint). */
  gasLimit(blockGasLimit: bigint): bigint {
    const share = blockGasLimit / BATCHES_PER_BLOCK;
    const floor = BATCH_OVERHEAD_GAS + BigInt(Math.ceil(this.entryGas * 4));
    return share > floor ? share : floor < blockGasLimit ? floor : blockGasLimit;
  }

  /** Entries for a batch of `gasLimit(blockGasLimit)`, at least one. */
  size(blockGasLimit: bigint): number {
    const room = Number(this.gasLimit(blockGasLimit) - BATCH_OVERHEAD_GAS) * NET_TO_EXECUTION;
    return Math.max(1, Math.min(this.maxEntries, Math.floor(room / this.entryGas)));
  }

  /** A batch failed (reverted, or out of gas inside the module): assume twice the gas per entry,
   * so the next batches hold half as many. */
  failed() {
    this.entryGas *= 2;
  }

  /** Learns the net gas per liquidated entry from a mined batch (entries skipped as already done
   * or out of gas are not counted: they did not take a liquidation's gas). */
  observe(liquidated: number, gasUsed: bigint) {
    if (liquidated > 0) this.entryGas = Math.max(1, Number(gasUsed) / liquidated);
  }
}
