// A replay: the scenario's traders open through the normal user path, the oracle walks the price
// path, and the real keeper (keeper/, in-process) liquidates and deleverages after every move. Each
// step records the market's state; each ADL run is checked against the queue policy computed off
// chain on the same book; each bankruptcy's deficit is covered by every policy for comparison.
import { devPrivateKey } from "../../scripts/lib/localChain.ts";
import { embeddedKeeper } from "../../scripts/lib/embeddedKeeper.ts";
import { payerSide } from "../book.ts";
import { generateTraders, toFixed } from "../population.ts";
import { generatePath } from "../pricePaths.ts";
import { fillInOrder, queueOrder } from "../policies.ts";
import { Rng } from "../random.ts";
import type { Scenario } from "../scenario.ts";
import { whatIf } from "../whatIf.ts";
import { KEEPER_SIGNER, MARKET, answerOf, startChain, traderAddress, wadOf } from "./chain.ts";
import { EventTracker, type FillRecord, type LiquidationRecord, type RunRecord } from "./tracker.ts";
import type { AdlEvent, ReplayData, StepRecord } from "../reportData.ts";

export type Progress = (message: string) => void;

/** Whether a run's on-chain fills are exactly the queue policy's hits on the book the run started from. */
export function queueMatches(run: RunRecord): boolean {
  const side = payerSide(run.book, run.setting);
  const expected = fillInOrder(queueOrder(side, run.setting), run.setting);
  const prefix = run.fills.every((f, i) => {
    const e = expected[i];
    return e !== undefined && e.id === f.id && e.haircut === f.haircut && e.closedSize === f.closedSize && e.fillPrice === f.fillPrice;
  });
  // A run that paid off its debt must have stopped where the policy stops.
  return prefix && (run.endDebt !== 0n || expected.length === run.fills.length);
}

export async function runReplay(scenario: Scenario, seed: number, progress: Progress): Promise<ReplayData> {
  const started = Date.now();
  const rng = new Rng(seed);
  const path = generatePath(scenario.price!, rng, scenario.baseDir);
  const traders = generateTraders(scenario.traders!, path.prices.length, rng);
  const chain = await startChain({
    startPrice: path.prices[0],
    market: scenario.market,
    lpCapital: toFixed(scenario.lpCapital, 6),
    insuranceSeed: toFixed(scenario.insuranceSeed, 6),
  });
  const { engine, vault, lens, request } = chain;
  progress(`deployed; ${traders.length} traders over ${path.prices.length} steps`);
  const keeper = embeddedKeeper(chain.keeperProvider, chain.addressBook, devPrivateKey(KEEPER_SIGNER), {
    batchSize: scenario.keeper.batchSize,
  });
  const tracker = new EventTracker(engine.interface, chain.valueDivisor);
  const blockNumber = async () => BigInt(await request<string>("eth_blockNumber"));
  let nextLogBlock = (await blockNumber()) + 1n;

  const steps: StepRecord[] = [];
  const liquidations: LiquidationRecord[] = [];
  const fills: FillRecord[] = [];
  const runs: RunRecord[] = [];
  const events: AdlEvent[] = [];
  let opened = 0;
  let rejected = 0;
  let nextTrader = 0;

  for (let step = 0; step < path.prices.length; step++) {
    const price = path.prices[step];
    const wad = wadOf(price);
    await chain.moveTo(chain.startTime + path.times[step], answerOf(price));

    // Orders of the traders entering now, at this price, within the market's tier limits.
    for (; nextTrader < traders.length && traders[nextTrader].entryStep === step; nextTrader++) {
      const t = traders[nextTrader];
      const notional = toFixed(t.notional, 6);
      const leverage = Math.min(t.leverage, chain.maxLeverage(notional) * 0.97);
      const size = toFixed(t.notional / price, 18);
      const order = {
        account: await chain.traderAccount(t.index),
        size: t.isLong ? size : -size,
        margin: toFixed(t.notional / leverage, 6),
      };
      if (await chain.open(order, wad)) opened++;
      else rejected++;
    }

    // The keeper ticks until a tick has nothing left to send.
    const keeperFrom = await blockNumber();
    let ticks = 0;
    for (; ticks < scenario.keeper.maxTicksPerStep; ticks++) {
      const before = await blockNumber();
      await keeper.tick();
      if ((await blockNumber()) === before) break;
    }
    const keeperTo = await blockNumber();
    let gasUsed = 0n;
    for (let b = keeperFrom + 1n; b <= keeperTo; b++) {
      gasUsed += BigInt((await request<{ gasUsed: string }>("eth_getBlockByNumber", [`0x${b.toString(16)}`, false])).gasUsed);
    }

    const logs = await request<{ topics: string[]; data: string; transactionHash: string }[]>("eth_getLogs", [
      { address: chain.addressBook.engine, fromBlock: `0x${nextLogBlock.toString(16)}`, toBlock: `0x${keeperTo.toString(16)}` },
    ]);
    nextLogBlock = keeperTo + 1n;
    const applied = tracker.apply(logs, step, wad);
    liquidations.push(...applied.liquidations);
    fills.push(...applied.poolFills);
    for (const run of applied.runs) {
      fills.push(...run.fills);
      runs.push(run);
      if (run.kind === "inline") {
        events.push({
          step,
          price: wad,
          bankruptId: run.bankruptId!,
          run,
          result: whatIf(run.book, run.setting),
          queueMatchesChain: queueMatches(run),
        });
      }
    }

    const [state, insurance, vaultCash, vaultEquity] = await Promise.all([
      engine.marketState(MARKET),
      engine.insuranceFund(),
      engine.vaultCash(),
      vault.totalAssets(),
    ]);
    const stepLiquidations = applied.liquidations;
    steps.push({
      step,
      time: path.times[step],
      price: wad,
      longOpenInterest: state.longSize,
      shortOpenInterest: state.shortSize,
      insuranceFund: insurance,
      vaultCash,
      vaultEquity,
      longAdlDebt: state.longAdlDebt,
      shortAdlDebt: state.shortAdlDebt,
      partialLiquidations: stepLiquidations.filter((l) => l.kind === "partial").length,
      fullLiquidations: stepLiquidations.filter((l) => l.kind === "full").length,
      bankruptLiquidations: stepLiquidations.filter((l) => l.kind === "bankrupt").length,
      adlFills: applied.poolFills.length + applied.runs.reduce((n, r) => n + r.fills.length, 0),
      gasUsed,
      keeperTicks: ticks,
      keeperBlocks: Number(keeperTo - keeperFrom),
      openPositions: tracker.book.size,
    });
    if (step % 10 === 0 || stepLiquidations.length > 0 || applied.runs.length > 0) {
      progress(
        `step ${step}/${path.prices.length - 1} price ${price.toFixed(2)}: ${tracker.book.size} open, ` +
          `${stepLiquidations.length} liquidated, ${steps.at(-1)!.adlFills} ADL fills, ${Number(keeperTo - keeperFrom)} keeper blocks`,
      );
    }
  }

  const solvency = await checkSolvency(chain, tracker, traders.length);
  const data: ReplayData = {
    traders: traders.length,
    opened,
    rejected,
    path,
    steps,
    liquidations,
    fills,
    runs: runs.map((r) => ({ step: r.step, kind: r.kind, fills: r.fills.length, matches: queueMatches(r) })),
    events,
    solvency,
    durationSeconds: (Date.now() - started) / 1000,
    valueDivisor: chain.valueDivisor,
    tokenDecimals: chain.decimals,
  };
  await chain.close();
  return data;
}

/**
 * The four ledgers against the engine's token balance: free balances (every trader, the keeper,
 * the owner), position margins, the insurance fund and the vault's cash.
 */
async function checkSolvency(chain: Awaited<ReturnType<typeof startChain>>, tracker: EventTracker, traderCount: number) {
  const { engine, token } = chain;
  const accounts = [chain.keeper.address, chain.owner.address, chain.lp.address];
  for (let i = 0; i < traderCount; i++) accounts.push(traderAddress(i));
  let owed = (await engine.insuranceFund()) + (await engine.vaultCash());
  for (const account of accounts) owed += await engine.freeBalance(account);
  for (const p of tracker.book.values()) owed += p.margin;
  const held = await token.balanceOf(chain.addressBook.engine);
  return { held, owed, solvent: held === owed };
}
