// Rank exactness and overshoot of real ADL fills: part of `npm run bench` (option --exactness-fills).
//
// On Hardhat's in-process chain with the EngineBench harness (the real engine plus bulk seeding): a
// book of random profitable-or-not shorts (sizes 0.5-20 ETH, entries $3,000 +-8%, leverage 1.5x-20x
// log-uniform) and of near-20x longs. The price then walks down through random levels between
// $2,500 and $2,800 (every long bankrupt); at each level a few longs are liquidated bankrupt with no insurance, so each
// deficit becomes ADL debt on the shorts, filled inline by the liquidation and then by `deleverage`
// calls of a random size. Every AdlFill is checked against a brute force: the side's positions, kept
// from the PositionUpdated events, sorted by the published score (client/adl.ts rankSide) at the
// run's X; a hit is a fill of the brute-force top. The overshoot sums, over every fill, what its
// haircut took beyond the debt it paid off (the engine's claim: haircuts sum to the debt exactly).
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { Log } from "ethers";
import { type RankedPosition, rankSide } from "../../client/adl.ts";
import { Rng } from "../../backtest/random.ts";
import type { EngineBench } from "../../types/ethers-contracts/index.ts";
import { deployProtocol } from "../lib/deployProtocol.ts";
import { depositThroughRequest } from "../lib/lpRequests.ts";

const DIVISOR = 10n ** 30n;
const WAD = 10n ** 18n;
const MAX_MARKETS = 16n;

export interface ExactnessResult {
  fills: number;
  hits: number;
  rankExactnessPct: number;
  /** Settlement-token atoms taken beyond the debt paid off, summed over every fill (must be 0). */
  overshootWei: string;
  debtCovered: string;
  transactions: number;
}

export async function measureExactness(ethers: HardhatEthers, targetFills: number, seed = 20261130): Promise<ExactnessResult> {
  const rng = new Rng(seed);
  const rand = () => rng.next();
  const between = (lo: number, hi: number) => lo + rand() * (hi - lo);
  const deployed = await deployProtocol(ethers, {
    engineContract: "EngineBench",
    markets: [
      { name: "ETH", initialAnswer: 3000_00000000n, configure: (c) => ({ ...c, maxLongSize: 10n ** 24n, maxShortSize: 10n ** 24n }) },
    ],
  });
  const { token, vault, markets, owner } = deployed;
  const engine = deployed.engine as unknown as EngineBench;
  const feed = markets[0].feed;
  await (await token.mint(owner.address, 10n ** 18n)).wait();
  await (await token.approve(await vault.getAddress(), ethers.MaxUint256)).wait();
  // A deep vault: no pool-protection ADL, so every fill is a bankruptcy fill with a debt to check.
  await depositThroughRequest(ethers.provider, vault, [markets[0].feed], 100_000_000n * 10n ** 6n, owner.address);

  // Roughly 1.5 fills per bankrupt long were measured: enough longs for the target, and shorts
  // whose profit outlasts them.
  const longs = Math.ceil(targetFills * 0.9);
  const shorts = Math.ceil(targetFills * 0.5);
  const usdMargin = (absSize: bigint, entry: bigint, leverage: number) =>
    (((absSize * entry) / DIVISOR) * 1_000_000n) / BigInt(Math.round(leverage * 1e6));
  let backing = 0n;
  for (let i = 0; i < shorts; i++) {
    const absSize = BigInt(Math.round(between(0.5, 20) * 1000)) * 10n ** 15n;
    const entry = BigInt(Math.round(between(2760, 3240) * 100)) * 10n ** 16n;
    const margin = usdMargin(absSize, entry, 1.5 * (20 / 1.5) ** rand());
    backing += margin;
    await (await engine.seedPositions(0, false, absSize, entry, [margin])).wait();
  }
  for (let i = 0; i < longs; i += 10) {
    const absSize = BigInt(Math.round(between(1, 10) * 1000)) * 10n ** 15n;
    const margins = Array.from({ length: Math.min(10, longs - i) }, () => usdMargin(absSize, 3000n * WAD, between(18, 20)));
    backing += margins.reduce((a, b) => a + b, 0n);
    await (await engine.seedPositions(0, true, absSize, 3000n * WAD, margins)).wait();
  }
  await (await token.mint(await engine.getAddress(), backing)).wait(); // seeded margin is not backed by tokens

  // The brute force's book: every open short, from chain state now and from events after.
  const ids = Array.from({ length: Number(await engine.accountCount()) }, (_, i) => BigInt(i + 1) * MAX_MARKETS);
  const book = new Map<bigint, RankedPosition>();
  const openLongs: bigint[] = [];
  for (const id of ids) {
    const p = await engine.position(id);
    if (p.size < 0n) book.set(id, { id, size: p.size, margin: p.margin, entryPrice: p.entryPrice, fundingSnapshot: p.fundingSnapshot });
    else if (p.size > 0n) openLongs.push(id);
  }

  let fills = 0,
    hits = 0,
    transactions = 0;
  let debt = 0n,
    overshoot = 0n,
    covered = 0n;
  let x = 0n;
  /** The filled position's state before its fill: PositionUpdated comes just before its AdlFill. */
  let before: { id: bigint; position: RankedPosition | undefined } | undefined;
  const apply = (logs: readonly Log[]) => {
    for (const log of logs) {
      const event = engine.interface.parseLog(log);
      if (!event) continue;
      const a = event.args;
      if (event.name === "PositionUpdated" && (a.size < 0n || (a.size === 0n && book.has(a.positionId)))) {
        before = { id: a.positionId, position: book.get(a.positionId) };
        if (a.size === 0n) book.delete(a.positionId);
        else
          book.set(a.positionId, {
            id: a.positionId,
            size: a.size,
            margin: a.margin,
            entryPrice: a.entryPrice,
            fundingSnapshot: a.fundingSnapshot,
          });
      } else if (event.name === "DeficitUncovered" && !a.payerIsLong) {
        debt = a.totalDebt;
      } else if (event.name === "AdlFill" && !a.isLong) {
        const side = [...book.values()].filter((p) => p.id !== a.positionId);
        const prior = before && before.id === a.positionId ? before.position : undefined;
        if (prior) side.push(prior);
        const top = rankSide(side, x, DIVISOR).find((r) => r.score > 0n);
        fills++;
        if (top?.position.id === a.positionId) hits++;
        const paid = debt - a.remainingDebt;
        if (a.haircut > paid) overshoot += a.haircut - paid;
        covered += paid;
        debt = a.remainingDebt;
      } else if (event.name === "AdlDebtChanged" && !a.isLong) {
        debt = a.debt;
      }
    }
  };
  const send = async (tx: Promise<{ wait(): Promise<{ logs: readonly Log[] } | null> }>) => {
    const receipt = await (await tx).wait();
    transactions++;
    // The run's X: the price over the funding index the transaction accrued to.
    const [, answer] = await feed.latestRoundData();
    x = answer * 10n ** 10n - (await engine.marketState(0)).fundingIndex;
    apply(receipt!.logs);
  };

  while (fills < targetFills && openLongs.length > 0) {
    await (await feed.setAnswer(BigInt(Math.round(between(2500, 2800) * 1e8)))).wait();
    const batch = openLongs.splice(0, 1 + Math.floor(rand() * 4));
    await send(
      engine.liquidateBatch(
        batch,
        batch.map(() => 0),
      ),
    );
    for (let round = 0; round < 20; round++) {
      const state = await deployed.lens.marketAdlState(0);
      if (state.shortAdlDebt === 0n) break;
      await send(engine.deleverage(0, false, 1 + Math.floor(rand() * 20), 0, 0));
    }
  }
  if (fills < targetFills) throw new Error(`exactness: only ${fills} ADL fills, wanted ${targetFills}`);
  return {
    fills,
    hits,
    rankExactnessPct: Math.round((hits / fills) * 10000) / 100,
    overshootWei: overshoot.toString(),
    debtCovered: covered.toString(),
    transactions,
  };
}
