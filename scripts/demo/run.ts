// The main job behind `npm start`: deploys the protocol on a chain, opens a seeded crowd of longs
// and shorts through orders that the real keeper executes, walks the scenario's price path one
// oracle round at a time, lets the keeper work each round off (liquidations, insurance, ADL), checks
// every ADL fill against the brute-force ranking and ends with the solvency check.
import type { NetworkConnection } from "hardhat/types/network";
import { formatUnits } from "ethers";
import type { AddressBook } from "../lib/addressBook.ts";
import { deployProtocol } from "../lib/deployProtocol.ts";
import { embeddedKeeper } from "../lib/embeddedKeeper.ts";
import { devPrivateKey } from "../lib/localChain.ts";
import { depositThroughRequest } from "../lib/lpRequests.ts";
import { auditRankOrder } from "./adlAudit.ts";
import { requestCrowdOrders } from "./crowd.ts";
import { countByLeverageBand, population } from "./population.ts";
import type { DemoReport, StepReport } from "./report.ts";
import { type PriceStep, scenarioNamed } from "./scenarios.ts";
import { solvencyOf } from "./solvency.ts";
import { stepEvents } from "./stepEvents.ts";

export type DemoPhase = "opened" | "crashed" | "settled";
export interface DemoOptions {
  seed?: number;
  scenario?: string;
  positions?: number;
  log?: (line: string) => void;
  /** Called at each phase, e.g. to look at the chain from a browser; the demo waits for it. */
  onPhase?: (phase: DemoPhase, context: { addressBook: AddressBook; step?: PriceStep }) => Promise<void>;
}

export const DEFAULT_SEED = 1;
export const DEFAULT_POSITIONS = 240;
const ETH = 0;
const KEEPER_ACCOUNT = 2;
/** Ticks per price step before the demo gives up: a step takes a handful. */
const MAX_TICKS_PER_STEP = 40;
const FEED_DECIMALS = 8n;

const usd = (atoms: bigint) => Number(formatUnits(atoms, 6));
const pct = (wad: bigint) => Number(formatUnits(wad * 100n, 18));

export async function runDemo(connection: NetworkConnection, options: DemoOptions = {}): Promise<DemoReport> {
  const started = performance.now();
  const { ethers, provider } = connection;
  const seed = options.seed ?? DEFAULT_SEED;
  const scenario = scenarioNamed(options.scenario ?? "crash");
  const count = options.positions ?? DEFAULT_POSITIONS;
  if (!Number.isInteger(count) || count < 2 || count > 2_000) throw new Error(`positions must be an integer from 2 to 2000, got ${count}`);
  const log = options.log ?? (() => {});
  const onPhase = options.onPhase ?? (async () => {});
  const feedAnswer = (dollars: number) => BigInt(dollars) * 10n ** FEED_DECIMALS;

  const [owner, lp] = await ethers.getSigners();
  const { token, engine, vault, lens, markets, addressBook } = await deployProtocol(ethers, {
    markets: [{ name: "ETH", initialAnswer: feedAnswer(scenario.startPrice) }],
  });
  const { feed, oracle } = markets[ETH];
  const units = (dollars: number) => BigInt(dollars) * 10n ** 6n;
  log(`Deployed engine ${await engine.getAddress()}, vault ${await vault.getAddress()}, lens ${await lens.getAddress()}`);

  await (await token.mint(lp.address, units(scenario.vaultUsd))).wait();
  await (await token.connect(lp).approve(await vault.getAddress(), units(scenario.vaultUsd))).wait();
  await depositThroughRequest(ethers.provider, vault.connect(lp), [feed], units(scenario.vaultUsd), lp.address);
  await (await token.mint(owner.address, units(scenario.insuranceUsd))).wait();
  await (await token.approve(await engine.getAddress(), units(scenario.insuranceUsd))).wait();
  await (await engine.fundInsurance(units(scenario.insuranceUsd))).wait();
  log(
    `LP capital ${scenario.vaultUsd.toLocaleString("en-US")} settled into the vault; insurance fund ${scenario.insuranceUsd.toLocaleString("en-US")}.`,
  );

  const intents = population(count, seed);
  const traders = await requestCrowdOrders(ethers, { engine, token }, intents, { seed, price: scenario.startPrice, marketId: ETH });
  log(`${traders.length} traders requested market orders (seed ${seed}); the feed publishes its next round at $${scenario.startPrice}.`);
  await (await feed.setAnswer(feedAnswer(scenario.startPrice))).wait();

  const keeperAddress = (await ethers.getSigners())[KEEPER_ACCOUNT].address;
  const keeper = embeddedKeeper(provider, addressBook, devPrivateKey(KEEPER_ACCOUNT));
  const executed = async () => (await keeper.metrics.ordersExecuted.get()).values.reduce((n, v) => n + v.value, 0);
  for (let tick = 0; tick < 5 && (await executed()) < traders.length; tick++) await keeper.tick();
  const positionIds = await Promise.all(traders.map((t) => engine.positionIdOf(t.wallet.address, ETH)));
  const failures: string[] = [];
  if (positionIds.includes(0n)) failures.push(`the keeper executed ${await executed()} of ${traders.length} orders`);
  const executionFees = await engine.freeBalance(keeperAddress);
  log(`The keeper executed ${await executed()} orders, earning ${usd(executionFees).toFixed(2)} in execution fees.`);
  await onPhase("opened", { addressBook });

  const openIds = positionIds.filter((id) => id !== 0n);
  const marketAdl = () => lens.marketAdlState(ETH);
  async function book() {
    const counts = { long: 0, short: 0, liquidatable: 0 };
    for (let i = 0; i < openIds.length; i += 100) {
      for (const h of await lens.positionHealthBatch(openIds.slice(i, i + 100))) {
        if (h.size === 0n) continue;
        counts[h.size > 0n ? "long" : "short"]++;
        if (h.liquidatable) counts.liquidatable++;
      }
    }
    return counts;
  }
  const liquidatableCount = async () => (await book()).liquidatable;
  async function settled() {
    const adl = await marketAdl();
    const owes = adl.longAdlDebt + adl.shortAdlDebt > 0n;
    const overFactor = adl.longPnlFactor > adl.maxPnlFactor || adl.shortPnlFactor > adl.maxPnlFactor;
    return !owes && !overFactor && (await liquidatableCount()) === 0;
  }

  const insuranceBefore = await engine.insuranceFund();
  const vaultBefore = await vault.totalAssets();
  const steps: StepReport[] = [];
  let price = scenario.startPrice;
  for (const [index, step] of scenario.steps.entries()) {
    const fromBlock = (await ethers.provider.getBlockNumber()) + 1;
    await (await feed.setAnswer(feedAnswer(step.price))).wait();
    log(`\n${step.label}: the feed publishes $${step.price} (was $${price}); ${await liquidatableCount()} positions are liquidatable.`);
    if (index === 0) await onPhase("crashed", { addressBook, step });
    let ticks = 0;
    while (!(await settled())) {
      if (ticks === MAX_TICKS_PER_STEP) {
        failures.push(`${step.label}: not settled after ${MAX_TICKS_PER_STEP} keeper ticks`);
        break;
      }
      await keeper.tick();
      ticks++;
    }
    const toBlock = await ethers.provider.getBlockNumber();
    const events = await stepEvents(engine, fromBlock, toBlock);
    const audit = await auditRankOrder(engine, oracle, ETH, openIds, events.adlFills);
    const adl = await marketAdl();
    const kinds = (kind: string) => events.liquidations.filter((l) => l.kind === kind).length;
    const report: StepReport = {
      label: step.label,
      priceFrom: price,
      priceTo: step.price,
      keeperTicks: ticks,
      blocks: toBlock - fromBlock + 1,
      liquidations: {
        partial: kinds("partial"),
        full: kinds("full"),
        bankrupt: kinds("bankrupt"),
        keeperRewardsUsd: usd(events.liquidations.reduce((s, l) => s + l.keeperReward, 0n)),
      },
      insuranceDrawnUsd: usd(events.insuranceDrawn),
      deficitToAdlUsd: usd(events.deficitToAdl),
      borneByVaultUsd: usd(events.borneByVault),
      adl: {
        bankruptcyFills: events.bankruptcyFills.length,
        poolProtectionFills: events.poolProtectionFills.length,
        haircutsUsd: usd(events.bankruptcyFills.reduce((s, f) => s + f.haircut, 0n)),
        poolProtectionPaidUsd: usd(events.poolProtectionFills.reduce((s, f) => s + f.realisedPnl, 0n)),
        rankCheckedTransactions: audit.transactions,
        rankViolations: audit.violations,
      },
      after: {
        longPnlFactorPct: pct(adl.longPnlFactor),
        shortPnlFactorPct: pct(adl.shortPnlFactor),
        maxPnlFactorPct: pct(adl.maxPnlFactor),
        adlDebtUsd: usd(adl.longAdlDebt + adl.shortAdlDebt),
        ...(await book()),
      },
    };
    steps.push(report);
    for (const violation of audit.violations) failures.push(`${step.label}: ADL fills out of rank order in ${violation.transactionHash}`);
    log(
      `  keeper: ${ticks} tick(s); liquidated ${report.liquidations.partial} partially, ${report.liquidations.full} fully, ` +
        `${report.liquidations.bankrupt} bankrupt; insurance paid ${report.insuranceDrawnUsd.toFixed(2)}, ADL covered ` +
        `${report.deficitToAdlUsd.toFixed(2)} in ${report.adl.bankruptcyFills} fills; pool protection closed ` +
        `${report.adl.poolProtectionFills}; every fill the brute-force top: ${audit.violations.length === 0 ? "yes" : "NO"}`,
    );
    price = step.price;
  }
  await onPhase("settled", { addressBook });

  const solvency = await solvencyOf(engine, token, addressBook.deploymentBlock);
  if (!solvency.solvent) failures.push(`insolvent: holds ${solvency.held}, owes ${solvency.owed}`);
  const total = (pick: (s: StepReport) => number) => steps.reduce((n, s) => n + pick(s), 0);
  const shown = {
    partialLiquidation: total((s) => s.liquidations.partial) > 0,
    fullLiquidation: total((s) => s.liquidations.full) > 0,
    bankruptLiquidation: total((s) => s.liquidations.bankrupt) > 0,
    insuranceDraw: total((s) => s.insuranceDrawnUsd) > 0,
    adlInRankOrder: total((s) => s.adl.bankruptcyFills) > 0 && steps.every((s) => s.adl.rankViolations.length === 0),
    poolProtectionAdl: total((s) => s.adl.poolProtectionFills) > 0,
  };
  const side = (isLong: boolean) => intents.filter((i) => i.isLong === isLong);
  const oiEth = (isLong: boolean) => side(isLong).reduce((n, i) => n + i.sizeMilliEth, 0) / 1000;
  return {
    seed,
    scenario: scenario.name,
    description: scenario.description,
    crowd: {
      longs: side(true).length,
      shorts: side(false).length,
      byLeverage: countByLeverageBand(intents),
      openInterestEth: { long: oiEth(true), short: oiEth(false) },
    },
    orders: { requested: traders.length, executed: await executed(), executionFeesUsd: usd(executionFees) },
    steps,
    insuranceUsd: { before: usd(insuranceBefore), after: usd(await engine.insuranceFund()) },
    vaultAssetsUsd: { before: usd(vaultBefore), after: usd(await vault.totalAssets()) },
    keeperEarnedUsd: usd(await engine.freeBalance(keeperAddress)),
    solvency: { heldUsd: usd(solvency.held), owedUsd: usd(solvency.owed), solvent: solvency.solvent },
    shown,
    failures,
    seconds: (performance.now() - started) / 1000,
  };
}
