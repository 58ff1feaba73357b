// Reads a contract's events over a block range. A range dense with events (a crash, bulk activity
// on a fast chain) can exceed the transport's response limit: it is then read in halves, or an
// index would never advance past it.
import { type AbiEvent, BaseError, type Log, type PublicClient, ResponseBodyTooLargeError } from "viem";

const tooLarge = (error: unknown) => error instanceof BaseError && error.walk((e) => e instanceof ResponseBodyTooLargeError) !== null;

export async function logsInRange(
  client: PublicClient,
  address: `0x${string}`,
  events: readonly AbiEvent[],
  fromBlock: bigint,
  toBlock: bigint,
): Promise<Log[]> {
  try {
    return await client.getLogs({ address, events, fromBlock, toBlock });
  } catch (error) {
    if (!tooLarge(error) || fromBlock === toBlock) throw error;
    const middle = (fromBlock + toBlock) / 2n;
    return [
      ...(await logsInRange(client, address, events, fromBlock, middle)),
      ...(await logsInRange(client, address, events, middle + 1n, toBlock)),
    ];
  }
}
