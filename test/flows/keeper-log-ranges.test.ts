// How the keeper reads a block range dense with events (keeper/logRanges.ts): in pieces that fit
// the transport's response limit, one at a time, keeping the span that fitted.
import { expect } from "chai";
import { type Log, type PublicClient, ResponseBodyTooLargeError } from "viem";
import { logPieces, logsInRange } from "../../keeper/logRanges.ts";

/** A node whose getLogs answers ranges of at most `fits` blocks, one log per block (up to block
 * `denseUntil`; none after it), and records every range asked for. */
function denseNode(fits: bigint, denseUntil = 2n ** 64n) {
  const asked: [bigint, bigint][] = [];
  const client = {
    getLogs: async ({ fromBlock, toBlock }: { fromBlock: bigint; toBlock: bigint }) => {
      asked.push([fromBlock, toBlock]);
      const denseBlocks = (toBlock < denseUntil ? toBlock : denseUntil) - fromBlock + 1n;
      if (denseBlocks > fits) throw new ResponseBodyTooLargeError({ maxSize: 10, size: 20 });
      if (fromBlock > denseUntil) return [];
      return Array.from({ length: Number(toBlock - fromBlock + 1n) }, (_, i) => ({ blockNumber: fromBlock + BigInt(i) }) as Log);
    },
  } as unknown as PublicClient;
  return { client, asked };
}

describe("keeper log ranges", () => {
  it("reads a dense range in pieces that fit, and asks the pieces after a split at the span that fitted", async () => {
    const { client, asked } = denseNode(25n);
    const pieces: bigint[] = [];
    for await (const piece of logPieces(client, "0x0000000000000000000000000000000000000001", [], 1n, 100n, 2_000n)) {
      expect(piece.logs.map((l) => l.blockNumber)).to.deep.equal(
        Array.from({ length: piece.logs.length }, (_, i) => piece.toBlock - BigInt(piece.logs.length - 1 - i)),
      );
      pieces.push(piece.toBlock);
    }
    // 100 blocks, then 50, then 25 fit; the rest are asked for 25 at a time, never whole again.
    expect(pieces).to.deep.equal([25n, 50n, 75n, 100n]);
    expect(asked).to.deep.equal([
      [1n, 100n],
      [1n, 50n],
      [1n, 25n],
      [26n, 50n],
      [51n, 75n],
      [76n, 100n],
    ]);
  });

  it("widens the span again after a dense stretch, so a long sparse range is not read a few blocks at a time", async () => {
    const { client, asked } = denseNode(25n, 100n);
    const pieces: bigint[] = [];
    for await (const piece of logPieces(client, "0x0000000000000000000000000000000000000001", [], 1n, 10_000n, 2_000n))
      pieces.push(piece.toBlock);
    // Contiguous pieces, no gap and no overlap, ending at the range's end.
    expect(
      asked.filter(([from, to]) => pieces.includes(to)).every(([from], i, fitted) => i === 0 || from === fitted[i - 1][1] + 1n),
    ).to.equal(true);
    expect(pieces.at(-1)).to.equal(10_000n);
    // Halved to 15 blocks in the dense stretch, then 8 pieces of 15, 8 of 30, 8 of 60 ... : 58
    // requests, where keeping 15 blocks would take about 670.
    expect(asked.length).to.equal(58);
  });

  it("returns every log of the range in block order, and fails on a single block over the limit", async () => {
    const logs = await logsInRange(denseNode(7n).client, "0x0000000000000000000000000000000000000001", [], 10n, 40n);
    expect(logs.map((l) => Number(l.blockNumber))).to.deep.equal(Array.from({ length: 31 }, (_, i) => 10 + i));
    const tooDense = denseNode(0n).client;
    let failed: unknown;
    await logsInRange(tooDense, "0x0000000000000000000000000000000000000001", [], 1n, 4n).catch((e: unknown) => (failed = e));
    expect(failed).to.be.instanceOf(ResponseBodyTooLargeError);
  });
});
