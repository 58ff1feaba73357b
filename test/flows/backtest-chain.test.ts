// The what-if queue policy against the contracts: a book snapshot (through its CSV form) is loaded
// into a fresh chain through the normal user path, a leveraged long goes bankrupt in a gap, and the
// real keeper liquidates it and deleverages the shorts. The ADL fills on-chain must be exactly the
// queue policy's hits on the same book: same positions, order, sizes, prices and haircuts.
import { expect } from "chai";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AdlSetting, payerSide, readBookCsv, writeBookCsv } from "../../backtest/book.ts";
import { scenarioSchema } from "../../backtest/scenario.ts";
import { generatedBook } from "../../backtest/whatIfRunner.ts";
import { whatIf } from "../../backtest/whatIf.ts";
import { KEEPER_SIGNER, MARKET, answerOfWad, startChain } from "../../backtest/replay/chain.ts";
import { loadBook } from "../../backtest/replay/loadBook.ts";
import { embeddedKeeper } from "../../scripts/lib/embeddedKeeper.ts";
import { devPrivateKey } from "../../scripts/lib/localChain.ts";
import { openPositionsOf } from "../../scripts/lib/positions.ts";

const WAD = 10n ** 18n;
const PRICE = 3000n * WAD;

describe("backtest what-if on the chain", () => {
  it("the queue policy's hits on a loaded book are exactly the on-chain deleverage fills", async () => {
    // 80 shorts entered within a few percent of $3,000 at up to 3x (none liquidatable at $3,000).
    const scenario = {
      ...scenarioSchema.parse({
        name: "chain-check",
        mode: "whatIf",
        traders: { count: 80, longShare: 0, notional: { min: 2000, alpha: 1.3, max: 60000 }, leverage: { median: 2, sigma: 0.4, max: 3 } },
        whatIf: { price: 3000, payer: "short", deficit: 1 },
      }),
      baseDir: ".",
    };
    const csv = join(mkdtempSync(join(tmpdir(), "chain-book-")), "book.csv");
    writeBookCsv(csv, generatedBook(scenario, 5), 6);
    const book = readBookCsv(csv, 6, 0n);

    // Funding off, so the snapshot's funding state (index 0) is reproduced exactly.
    const chain = await startChain({
      startPrice: 3750,
      market: { maxFundingRatePerHour: 0 },
      lpCapital: 10_000_000n * 10n ** 6n,
      insuranceSeed: 0n,
    });
    // The victim: 40,000 long at $3,750 with 19x, bankrupt at $3,000 (a 20% fall).
    const victim = await chain.traderAccount(0);
    expect(await chain.open({ account: victim, size: (40_000n * WAD) / 3750n, margin: (40_000n * 10n ** 6n) / 19n }, 3750n * WAD)).to.equal(
      true,
    );
    const ids = await loadBook(chain, book, 1);
    const onChain = await openPositionsOf(chain.engine, [...ids.values()], false);
    expect(onChain.map((p) => [p.size, p.margin, p.entryPrice, p.fundingSnapshot])).to.deep.equal(
      book.map((p) => [p.size, p.margin, p.entryPrice, 0n]),
    );

    await chain.moveTo(chain.now() + 60, answerOfWad(PRICE));
    const from = BigInt(await chain.request<string>("eth_blockNumber")) + 1n;
    const keeper = embeddedKeeper(chain.keeperProvider, chain.addressBook, devPrivateKey(KEEPER_SIGNER));
    for (let tick = 0; tick < 10; tick++) {
      const before = await chain.request<string>("eth_blockNumber");
      await keeper.tick();
      if ((await chain.request<string>("eth_blockNumber")) === before) break;
    }
    const logs = await chain.engine.queryFilter("*" as never, Number(from));
    const named = (name: string) =>
      logs
        .map((l) => chain.engine.interface.parseLog(l))
        .filter((e) => e?.name === name)
        .map((e) => e!.args);
    const [uncovered] = named("DeficitUncovered");
    const [debtSet] = named("AdlDebtChanged");
    const fills = named("AdlFill");
    expect(uncovered.positionId).to.equal(await chain.engine.positionIdFor(victim, MARKET));
    expect(fills.length).to.be.greaterThan(8); // beyond the liquidation's inline fills: the keeper's deleverage went on

    const setting: AdlSetting = {
      price: PRICE,
      fundingIndex: 0n,
      valueDivisor: chain.valueDivisor,
      payerIsLong: false,
      deficit: uncovered.totalDebt,
      debtPrice: debtSet.bankruptcyPrice,
    };
    const chainBook = book.map((p) => ({ ...p, id: ids.get(p.id)! }));
    expect(payerSide(chainBook, setting).filter((c) => c.profit > 0n).length).to.be.greaterThan(fills.length); // a partial last fill
    const queue = whatIf(chainBook, setting).outcomes.find((o) => o.policy === "queue")!;
    expect(fills.map((f) => ({ id: f.positionId, closedSize: f.closedSize, haircut: f.haircut, fillPrice: f.fillPrice }))).to.deep.equal(
      queue.hits,
    );
    expect(queue.metrics.overshoot).to.equal(0n);
    expect(fills.at(-1)!.remainingDebt).to.equal(0n);
    await chain.close();
  });
});
