// Loads a what-if book snapshot into a chain through the normal user path: each position opens at
// its entry price (the oracle is moved there first) with its margin plus the fee, so the engine
// holds exactly the snapshot's size, margin and entry. Funding must be off (snapshot 0) for the
// snapshot's funding state to be reproduced.
import type { BookPosition } from "../book.ts";
import { type Chain, MARKET, answerOfWad } from "./chain.ts";

/** Opens every position of `book` in id order for traders firstTrader, firstTrader + 1, ...; returns book id -> chain id. */
export async function loadBook(chain: Chain, book: BookPosition[], firstTrader: number): Promise<Map<bigint, bigint>> {
  const ids = new Map<bigint, bigint>();
  const ordered = [...book].sort((a, b) => (a.id < b.id ? -1 : 1));
  for (const [i, p] of ordered.entries()) {
    if (p.fundingSnapshot !== 0n) throw new Error(`position ${p.id}: only books with funding snapshot 0 can be loaded`);
    await chain.moveTo(chain.now(), answerOfWad(p.entryPrice));
    const account = await chain.traderAccount(firstTrader + i);
    if (!(await chain.open({ account, size: p.size, margin: p.margin }, p.entryPrice)))
      throw new Error(`position ${p.id} was refused by the engine`);
    ids.set(p.id, await chain.engine.positionIdOf(account, MARKET));
  }
  return ids;
}
