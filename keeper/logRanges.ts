// Reads a contract's events over a block range. A range dense with events (a crash, bulk activity
// on a fast chain, a book of 100,000 positions opened in a few blocks) can exceed the transport's
// response limit: it is then read in halves, or an index would never advance past it.
import { type AbiEvent, BaseError, type Log, type PublicClient, ResponseBodyTooLargeError } from "viem";

const tooLarge = (error: unknown) => error instanceof BaseError && error.walk((e) => e instanceof ResponseBodyTooLargeError) !== null;

/** Pieces read at a narrowed span before it is doubled again: a dense stretch ends, and a span
 * left at a few blocks would take a request (and a state write) per few blocks for the whole range. */
const PIECES_BEFORE_WIDENING = 8;

/**
 * The logs of [fromBlock, toBlock] in pieces, in block order, at most `maxRange` blocks each. A
 * piece over the response limit is asked for again in halves, and the pieces after it keep the
 * span that fitted, doubling again after PIECES_BEFORE_WIDENING of them: a dense stretch is not
 * asked for whole (and serialised by the node) again for every piece, and the caller holds one
 * piece at a time, not the whole range (a keeper starting on 100,000 positions held all their logs
 * at once otherwise).
 */
export async function* logPieces(
  client: PublicClient,
  address: `0x${string}`,
  events: readonly AbiEvent[],
  fromBlock: bigint,
  toBlock: bigint,
  maxRange: bigint,
): AsyncGenerator<{ logs: Log[]; toBlock: bigint }> {
  let span = maxRange;
  let fittedPieces = 0;
  for (let from = fromBlock; from <= toBlock;) {
    const to = from + span - 1n < toBlock ? from + span - 1n : toBlock;
    let logs: Log[];
    try {
      logs = await client.getLogs({ address, events, fromBlock: from, toBlock: to });
    } catch (error) {
      if (!tooLarge(error) || to === from) throw error;
      span = (to - from + 1n) / 2n;
      fittedPieces = 0;
      continue;
    }
    yield { logs, toBlock: to };
    from = to + 1n;
    if (span < maxRange && ++fittedPieces === PIECES_BEFORE_WIDENING) {
      span = span * 2n < maxRange ? span * 2n : maxRange;
      fittedPieces = 0;
    }
  }
}

/** Every log of [fromBlock, toBlock], read in pieces that fit the response limit. */
export async function logsInRange(
  client: PublicClient,
  address: `0x${string}`,
  events: readonly AbiEvent[],
  fromBlock: bigint,
  toBlock: bigint,
): Promise<Log[]> {
  const logs: Log[] = [];
  for await (const piece of logPieces(client, address, events, fromBlock, toBlock, toBlock - fromBlock + 1n)) logs.push(...piece.logs);
  return logs;
}
