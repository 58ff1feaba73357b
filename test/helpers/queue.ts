// Reading one ADL bucket back from the engine and checking it is the sorted list the README says.
import { expect } from "chai";
import { bucketEdge, ranksBefore } from "../../client/adl.ts";
import { ETH } from "./fixture.ts";

type Engine = Awaited<ReturnType<typeof import("./fixture.ts").protocolFixture>>["engine"];

/** The ids of one bucket in queue order, checking every link, bucket and the order by key then id. */
export async function bucketMembers(engine: Engine, isLong: boolean, bucket: number) {
  const ids: bigint[] = [];
  let previous: { id: bigint; k: bigint } | null = null;
  for (let id = await engine.queueHead(ETH, isLong, bucket); id !== 0n;) {
    const node = await engine.queueNode(id);
    expect(node.bucket).to.equal(BigInt(bucket));
    expect(node.prev).to.equal(previous?.id ?? 0n);
    if (previous) expect(ranksBefore(previous.k, previous.id, node.k, id, isLong)).to.equal(true);
    previous = { id, k: node.k };
    ids.push(id);
    id = node.next;
  }
  return ids;
}

/** A stored margin that puts `absSize` in the middle of `bucket` (6-decimal token). */
export const marginForBucket = (absSize: bigint, bucket: number) =>
  (absSize * 10n ** 6n * 2n) / (bucketEdge(bucket) + bucketEdge(bucket + 1));
