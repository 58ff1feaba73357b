// How the keeper cuts a crash's liquidations into batches (keeper/batching.ts): each batch's gas
// limit is an eighth of a block, and its entries are sized from the gas per *liquidated* entry.
import { expect } from "chai";
import { LiquidationBatcher } from "../../keeper/batching.ts";

const BLOCK = 32_000_000n;

describe("keeper liquidation batching", () => {
  it("gives each batch an eighth of the block, so that refunds leave room for more batches in it", () => {
    expect(new LiquidationBatcher(500).gasLimit(BLOCK)).to.equal(4_000_000n);
  });

  it("sizes entries from the gas per liquidated entry, not per entry sent", () => {
    const batcher = new LiquidationBatcher(500);
    // 40 entries sent, 10 liquidated (the rest ran out of gas or were already done): 300k each.
    batcher.observe(10, 3_000_000n);
    // (4M - 150k overhead) x 0.8 (execution before refunds) / 300k
    expect(batcher.size(BLOCK)).to.equal(10);
    batcher.observe(10, 600_000n); // cheap entries: 60k each
    expect(batcher.size(BLOCK)).to.equal(51);
  });

  it("halves the batch after a failure, keeps at least one entry, and respects the operator's cap", () => {
    const batcher = new LiquidationBatcher(20);
    batcher.observe(10, 600_000n);
    expect(batcher.size(BLOCK)).to.equal(20); // 51 fit; capped at batchSize
    batcher.observe(10, 3_000_000n);
    batcher.failed();
    expect(batcher.size(BLOCK)).to.equal(5);
    for (let i = 0; i < 10; i++) batcher.failed();
    expect(batcher.size(BLOCK)).to.equal(1);
  });

  it("never gives a batch less gas than a few of its dearest entries need, nor more than the block", () => {
    const batcher = new LiquidationBatcher(500);
    batcher.observe(1, 2_000_000n); // a partial liquidation walking a long bucket
    expect(batcher.gasLimit(BLOCK)).to.equal(8_150_000n);
    batcher.observe(1, 20_000_000n);
    expect(batcher.gasLimit(BLOCK)).to.equal(BLOCK);
  });
});
