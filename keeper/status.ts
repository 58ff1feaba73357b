// `keeper status`: what an operator on call wants on one screen. Every number comes from the
// contracts' own views (PerpLens) at the latest block.
import { type PublicClient, erc20Abi, formatUnits } from "viem";
import type { AddressBook } from "../scripts/lib/addressBook.ts";
import { protocolReader } from "./contracts.ts";
import type { PositionIndexer } from "./indexer.ts";

const AT_RISK_SHOWN = 10;
const QUEUE_TOP_SHOWN = 5n;
const wad = (value: bigint, digits = 2) => Number(formatUnits(value, 18)).toFixed(digits);
const percent = (value: bigint) => `${(Number(formatUnits(value, 18)) * 100).toFixed(2)}%`;

export async function statusReport(client: PublicClient, book: AddressBook, indexer: PositionIndexer): Promise<string> {
  await indexer.sync();
  const read = protocolReader(client, book);
  const [block, decimals, [fund, openNotional, coverage]] = await Promise.all([
    client.getBlockNumber({ cacheTime: 0 }),
    client.readContract({ address: book.collateralToken, abi: erc20Abi, functionName: "decimals" }),
    read.lens.insuranceCoverage(),
  ]);
  const usd = (atoms: bigint) => Number(formatUnits(atoms, decimals)).toFixed(2);
  const lines = [
    `block ${block} on chain ${book.chainId}, engine ${book.engine}`,
    `insurance fund ${usd(fund)} against open notional ${usd(openNotional)}: coverage ${
      openNotional === 0n ? "n/a (nothing open)" : percent(coverage)
    }`,
  ];

  // Every market the engine lists, named from the book when it knows it.
  const count = await read.engine.marketCount();
  for (let marketId = 0; marketId < count; marketId++) {
    const name = book.markets.find((m) => m.marketId === marketId)?.name ?? "(not in the address book)";
    const { oracle } = await read.engine.marketConfig([marketId]);
    const [price, state] = await Promise.all([read.oraclePrice(oracle), read.lens.marketAdlState([marketId])]);
    lines.push(
      `market ${name} (#${marketId}): price ${wad(price)}`,
      `  ADL debt owed by longs ${usd(state.longAdlDebt)}, by shorts ${usd(state.shortAdlDebt)}`,
      `  pnl factor longs ${percent(state.longPnlFactor)}, shorts ${percent(state.shortPnlFactor)} (pool ADL above ${percent(state.maxPnlFactor)})`,
    );
    for (const isLong of [true, false]) {
      const [top] = await read.lens.adlRanking([marketId, isLong, QUEUE_TOP_SHOWN]);
      const entries = await Promise.all(top.map((id) => read.lens.positionAdl([id])));
      const shown = entries.map((a, i) => `#${top[i]} rank ${a.rank}/${a.sideCount} score ${a.score} lights ${a.quantile}/5`);
      lines.push(`  ADL queue ${isLong ? "long" : "short"} top: ${shown.join("; ") || "empty"}`);
    }
  }

  const ids = indexer.openIds();
  const health = ids.length ? await read.lens.positionHealthBatch([ids]) : [];
  const atRisk = [...health].sort((a, b) => (a.marginRatio < b.marginRatio ? -1 : 1)).slice(0, AT_RISK_SHOWN);
  lines.push(`open positions: ${ids.length}; most at risk (margin ratio, 1.00 = maintenance):`);
  for (const h of atRisk) lines.push(`  #${h.positionId} ratio ${wad(h.marginRatio, 3)}${h.liquidatable ? " LIQUIDATABLE" : ""}`);
  return lines.join("\n") + "\n";
}
