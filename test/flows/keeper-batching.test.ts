// How the keeper cuts a crash's liquidations into batches (keeper/batching.ts): each batch's gas
// limit is an eighth of a block, and its entries are weighed by kind and by the ADL fills a bankrupt
// one runs inline, at a gas per unit of weight learned from the entries a mined batch actually
// liquidated and the fills they ran.
import { expect } from "chai";
import { type EntryKind, LiquidationBatcher } from "../../keeper/batching.ts";

const BLOCK = 32_000_000n;
const entries = (kind: EntryKind, count: number) => Array.from({ length: count }, (_, i) => ({ id: i, kind }));
const sizes = (batches: unknown[][]) => batches.map((b) => b.length);

describe("keeper liquidation batching", () => {
  it("gives each batch an eighth of the block, so that refunds leave room for more batches in it", () => {
    expect(new LiquidationBatcher(500).gasLimit(BLOCK)).to.equal(4_000_000n);
  });

  it("weighs entries by kind: fewer partial or ADL-running cuts a batch than plain ones", () => {
    const batcher = new LiquidationBatcher(500);
    batcher.observe(["plain", "plain"], 0, 120_000n); // 60k a unit
    batcher.observe(["adl"], 2, 300_000n); // 2 fills: (2 + 2 x 1.5) units of 60k
    // Room: (4M - 150k overhead) x 0.8 (execution before refunds) = 3.08M
    expect(sizes(batcher.split(entries("plain", 60), BLOCK))).to.deep.equal([51, 9]); // 60k each
    expect(sizes(batcher.split(entries("adl", 20), BLOCK))).to.deep.equal([10, 10]); // 300k each
    expect(sizes(batcher.split(entries("partial", 20), BLOCK))).to.deep.equal([11, 9]); // 270k each
    // In order: a batch closes where the next entry would overflow it.
    const mixed = [...entries("adl", 5), ...entries("plain", 30)];
    expect(sizes(batcher.split(mixed, BLOCK))).to.deep.equal([31, 4]); // 1.5M of ADL, then 26 plain
  });

  it("weighs a bankrupt entry by the ADL fills it runs: all eight it may run inline until a batch shows fewer", () => {
    const batcher = new LiquidationBatcher(500);
    batcher.observe(["plain"], 0, 60_000n);
    // Unmeasured: 2 + 8 x 1.5 = 14 units of 60k, 840k: three fit in 3.08M. The crash storm's first
    // batches, sized for ~210k an entry, ran out of gas a few entries in.
    expect(sizes(batcher.split(entries("adl", 9), BLOCK))).to.deep.equal([3, 3, 3]);
    // A batch liquidated 4 bankrupt entries with 8 fills (2 each) for 1.2M: 20 units, 60k a unit.
    batcher.observe(
      entries("adl", 4).map((e) => e.kind),
      8,
      1_200_000n,
    );
    expect(sizes(batcher.split(entries("adl", 12), BLOCK))).to.deep.equal([10, 2]); // 300k each
  });

  it("learns from the entries liquidated, not the entries sent", () => {
    const batcher = new LiquidationBatcher(500);
    batcher.observe(["plain", "plain"], 0, 120_000n);
    expect(sizes(batcher.split(entries("plain", 51), BLOCK))).to.deep.equal([51]);
    // Of a batch of 40 sent, 10 plain ones liquidated for 1.2M: 120k a unit, half as many fit.
    batcher.observe(
      entries("plain", 10).map((e) => e.kind),
      0,
      1_200_000n,
    );
    expect(sizes(batcher.split(entries("plain", 51), BLOCK))).to.deep.equal([25, 25, 1]);
  });

  it("respects the operator's cap", () => {
    const batcher = new LiquidationBatcher(20);
    batcher.observe(["plain"], 0, 60_000n);
    expect(sizes(batcher.split(entries("plain", 30), BLOCK))).to.deep.equal([20, 10]); // 51 would fit
  });

  it("halves the batches after a failure, and keeps at least one entry in each", () => {
    const batcher = new LiquidationBatcher(500);
    batcher.observe(["plain"], 0, 100_000n);
    expect(sizes(batcher.split(entries("plain", 40), BLOCK))).to.deep.equal([30, 10]);
    batcher.failed();
    expect(sizes(batcher.split(entries("plain", 40), BLOCK))).to.deep.equal([15, 15, 10]);
    for (let i = 0; i < 10; i++) batcher.failed();
    expect(sizes(batcher.split(entries("partial", 2), BLOCK))).to.deep.equal([1, 1]);
  });

  it("never gives a batch less gas than a few of its dearest entries need, nor more than the block", () => {
    const batcher = new LiquidationBatcher(500);
    batcher.observe(["partial"], 0, 2_250_000n); // 500k a unit: a partial cut walking a long bucket
    expect(batcher.gasLimit(BLOCK)).to.equal(9_150_000n); // 150k + 4 x 4.5 x 500k
    batcher.observe(["plain"], 0, 20_000_000n);
    expect(batcher.gasLimit(BLOCK)).to.equal(BLOCK);
  });
});
