// How a crash's liquidations are cut into liquidateBatch transactions, so that they fill blocks.
//
// A node includes a transaction while its gas limit fits the block's gas left, and gas refunds
// (a liquidation clears storage) leave up to a fifth of a transaction's gas limit unused. One
// block-sized transaction therefore fills at most ~80% of a block; transactions of an eighth of a
// block, sent back to back, fill it to within the last one's unused share. A batch sized short of
// its gas limit costs little (the block takes one more transaction); one sized over it runs out of
// gas at its last entries, whose gas is lost and which then wait a tick.
//
// Entries differ by several times in gas, so each is weighed by its kind (from the lens preview)
// and, for one that runs ADL fills inline, by the fills it is expected to run; the batcher learns
// the gas of one unit of weight, and the fills per such entry, from the batches mined.

/** What an entry will do, from PerpLens.previewLiquidation and the position's health. */
export type EntryKind = "plain" | "covered" | "adl" | "partial";

/** Gas of each kind relative to a plain full liquidation (~60k net in the crash storm), before
 * any inline ADL fill: a bankrupt one whose deficit the insurance fund covers ~86k; one whose
 * deficit it cannot cover also records the debt (~120k); a partial one walks its new bucket for
 * the hint (~250k). */
const KIND_WEIGHT: Record<EntryKind, number> = { plain: 1, covered: 1.5, adl: 2, partial: 4.5 };
/** Gas of one inline ADL fill relative to a plain liquidation (~90k in the crash storm). */
const FILL_WEIGHT = 1.5;
/** A bankrupt entry runs at most this many fills inline (Deleverage.MAX_INLINE_ADL_FILLS); until a
 * batch has been measured, each is assumed to run them all. The crash storm's first batches of
 * bankrupt entries, sized at a fifth of that, ran out of gas after a few entries, and the rest
 * waited a tick: an underfilled batch costs its transaction's overhead, an overfilled one a tick. */
const MAX_INLINE_FILLS = 8;
/** Net gas of one unit of weight until a batch has been measured: a little over the storm's. */
const UNMEASURED_UNIT_GAS = 70_000;
/** Transactions per block: each batch's gas limit is this fraction of the block gas limit. */
const BATCHES_PER_BLOCK = 8n;
/** The batch's own cost around its entries: the transaction, the engine's delegatecall and the
 * module's 60k gas reserve (LiquidationModule.BATCH_GAS_RESERVE). */
const BATCH_OVERHEAD_GAS = 150_000n;
/** Entries are weighed by their net (after refund) gas, and a refund is at most a fifth of the gas
 * used, so the execution before refunds is up to a quarter more: the entries fill this share. */
const NET_TO_EXECUTION = 0.8;

export class LiquidationBatcher {
  private readonly maxEntries: number;
  private unitGas = UNMEASURED_UNIT_GAS;
  private fillsPerAdlEntry = MAX_INLINE_FILLS;

  /** `maxEntries`: the operator's cap (config.batchSize). */
  constructor(maxEntries: number) {
    this.maxEntries = maxEntries;
  }

  /** Gas limit of one batch under `blockGasLimit`: an eighth of the block, but always room for a
   * few of the dearest entries. */
  gasLimit(blockGasLimit: bigint): bigint {
    const share = blockGasLimit / BATCHES_PER_BLOCK;
    const floor = BATCH_OVERHEAD_GAS + BigInt(Math.ceil(this.unitGas * KIND_WEIGHT.partial * 4));
    return share > floor ? share : floor < blockGasLimit ? floor : blockGasLimit;
  }

  /** Cuts `entries`, in their order, into batches whose expected gas fits `gasLimit(blockGasLimit)`;
   * each batch holds at least one entry and at most the operator's cap. */
  split<T extends { kind: EntryKind }>(entries: T[], blockGasLimit: bigint): T[][] {
    const room = Number(this.gasLimit(blockGasLimit) - BATCH_OVERHEAD_GAS) * NET_TO_EXECUTION;
    const batches: T[][] = [];
    let batch: T[] = [];
    let gas = 0;
    const weight = { ...KIND_WEIGHT, adl: KIND_WEIGHT.adl + this.fillsPerAdlEntry * FILL_WEIGHT };
    for (const entry of entries) {
      const entryGas = weight[entry.kind] * this.unitGas;
      if (batch.length > 0 && (gas + entryGas > room || batch.length >= this.maxEntries)) {
        batches.push(batch);
        [batch, gas] = [[], 0];
      }
      batch.push(entry);
      gas += entryGas;
    }
    if (batch.length > 0) batches.push(batch);
    return batches;
  }

  /** A batch failed (reverted, or out of gas inside the module): assume twice the gas per unit, so
   * the next batches hold half as much. */
  failed() {
    this.unitGas *= 2;
  }

  /** Learns from a mined batch: the net gas of a unit of weight, from the kinds of the entries it
   * liquidated (entries skipped as done or out of gas took no liquidation's gas) and the ADL fills
   * they ran; and the fills per bankrupt entry, which fall as the deepest deficits are done first. */
  observe(liquidated: EntryKind[], fills: number, gasUsed: bigint) {
    const weight = liquidated.reduce((sum, kind) => sum + KIND_WEIGHT[kind], 0) + fills * FILL_WEIGHT;
    if (weight > 0) this.unitGas = Math.max(1, Number(gasUsed) / weight);
    const adlEntries = liquidated.filter((kind) => kind === "adl").length;
    if (adlEntries > 0) this.fillsPerAdlEntry = Math.min(MAX_INLINE_FILLS, fills / adlEntries);
  }
}
