// Helpers for ADL tests: funded traders, hinted trades, and the brute-force view of a side.
import type { Signer } from "ethers";
import { type RankedPosition, bucketOf, keyOf, rankSide } from "../../client/adl.ts";
import { openPositionsOf } from "../../scripts/lib/positions.ts";
import { ETH, MAX_PRICE, ethers, farDeadline, networkHelpers, usd } from "./fixture.ts";

export const DIVISOR = 10n ** 30n; // 6-decimal settlement token

type Engine = Awaited<ReturnType<typeof import("./fixture.ts").protocolFixture>>["engine"];
type Lens = Awaited<ReturnType<typeof import("./fixture.ts").protocolFixture>>["lens"];
type Token = Awaited<ReturnType<typeof import("./fixture.ts").protocolFixture>>["token"];

/** `count` fresh wallets with gas money, settlement tokens approved and `deposit` in the engine. */
export async function fundedTraders(token: Token, engine: Engine, count: number, deposit = usd(1_000_000)) {
  const traders = [];
  for (let i = 0; i < count; i++) {
    const wallet = ethers.Wallet.createRandom().connect(ethers.provider);
    await networkHelpers.setBalance(wallet.address, 10n ** 20n);
    await token.mint(wallet.address, deposit);
    await token.connect(wallet).approve(await engine.getAddress(), ethers.MaxUint256);
    await engine.connect(wallet).deposit(deposit);
    traders.push(wallet);
  }
  return traders;
}

/** X = price - fundingIndex, with funding projected to the latest block. */
export async function currentX(engine: Engine, feed: { latestRoundData(): Promise<[bigint, bigint, bigint, bigint, bigint]> }) {
  const [, answer] = await feed.latestRoundData();
  return answer * 10n ** 10n - (await engine.marketState(ETH)).fundingIndex;
}

/** The hint for a position about to hold `size`/`margin` with key `k`, from the lens walk. */
export async function hintFor(lens: Lens, size: bigint, margin: bigint, k: bigint, id = 0n) {
  const bucket = bucketOf(size < 0n ? -size : size, margin, DIVISOR);
  return lens.adlInsertHint(ETH, size > 0n, bucket, k, id);
}

/** Opens a position with a hint computed for its expected bucket and key. */
export async function openHinted(engine: Engine, lens: Lens, trader: Signer, size: bigint, margin: bigint, price: bigint) {
  const state = await engine.marketState(ETH);
  const fee = ((size < 0n ? -size : size) * price + DIVISOR - 1n) / DIVISOR; // upper bound of notional
  const expectedMargin = margin - (fee * 5n) / 10_000n; // 5 bp fee
  const hint = await hintFor(lens, size, expectedMargin, price - state.fundingIndex);
  await engine.connect(trader).openPosition(ETH, size, margin, size > 0n ? MAX_PRICE : 0n, await farDeadline(), hint);
  return engine.positionIdOf(await trader.getAddress(), ETH);
}

/** Every open position of one side, read from the engine by walking the given ids. */
export const sidePositions = (engine: Engine, ids: bigint[], isLong: boolean) => openPositionsOf(engine, ids, isLong);

export function bruteForceRanking(positions: RankedPosition[], x: bigint) {
  return rankSide(positions, x, DIVISOR);
}

export { keyOf };
