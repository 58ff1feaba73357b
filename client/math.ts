// The protocol's money math in exact bigint arithmetic, written from PROTOCOL.md independently of
// the contracts. Clients use it to preview trades; the flow tests use it for expected values.

export const WAD = 10n ** 18n;

export const divFloor = (a: bigint, b: bigint) => (a >= 0n ? a / b : -((-a + b - 1n) / b));
export const divCeil = (a: bigint, b: bigint) => -divFloor(-a, b);
export const abs = (a: bigint) => (a < 0n ? -a : a);
export const min = (a: bigint, b: bigint) => (a < b ? a : b);

/** 10**(36 - decimals): size(1e18) * price(WAD) / divisor = token atoms. */
export const valueDivisor = (decimals: number) => 10n ** BigInt(36 - decimals);

export interface RefTier {
  maxNotional: bigint;
  initialMarginRate: bigint;
  maintenanceMarginRate: bigint;
}

export interface RefPosition {
  size: bigint;
  margin: bigint;
  entryPrice: bigint;
  fundingSnapshot: bigint;
}

/** Trader's value of `size` moving through `priceDiff`, rounded toward minus infinity. */
export const traderValue = (size: bigint, priceDiff: bigint, divisor: bigint) => divFloor(size * priceDiff, divisor);

export function equity(p: RefPosition, price: bigint, fundingIndex: bigint, divisor: bigint) {
  return p.margin + traderValue(p.size, price - p.entryPrice - (fundingIndex - p.fundingSnapshot), divisor);
}

export const notionalUp = (size: bigint, price: bigint, divisor: bigint) => divCeil(abs(size) * price, divisor);
export const notionalDown = (size: bigint, price: bigint, divisor: bigint) => (abs(size) * price) / divisor;
export const mulWadUp = (x: bigint, y: bigint) => divCeil(x * y, WAD);
export const mulWadDown = (x: bigint, y: bigint) => (x * y) / WAD;

export function tierFor(tiers: RefTier[], notional: bigint): RefTier {
  return tiers.find((t) => notional <= t.maxNotional) ?? tiers[tiers.length - 1];
}

export function maintenanceMargin(tiers: RefTier[], size: bigint, price: bigint, divisor: bigint) {
  const notional = notionalUp(size, price, divisor);
  return mulWadUp(notional, tierFor(tiers, notional).maintenanceMarginRate);
}

export function initialMargin(tiers: RefTier[], size: bigint, price: bigint, divisor: bigint) {
  const notional = notionalUp(size, price, divisor);
  return mulWadUp(notional, tierFor(tiers, notional).initialMarginRate);
}

export function fundingRate(maxRate: bigint, skewScale: bigint, longSize: bigint, shortSize: bigint) {
  let rate = (maxRate * (longSize - shortSize)) / skewScale; // bigint division truncates toward zero
  if (rate > maxRate) rate = maxRate;
  if (rate < -maxRate) rate = -maxRate;
  return rate;
}

export function fundingIndexAfter(index: bigint, rate: bigint, price: bigint, seconds: bigint) {
  return index + (rate * price * seconds) / WAD;
}

export interface RefKeeperReward {
  keeperRewardFixed: bigint;
  keeperRewardRate: bigint;
  keeperRewardCap: bigint;
}

/** Keeper reward for liquidating `closedNotional`: fixed plus a rate, rounded down, capped. */
export const keeperReward = (c: RefKeeperReward, closedNotional: bigint) =>
  min(c.keeperRewardFixed + mulWadDown(closedNotional, c.keeperRewardRate), c.keeperRewardCap);

/**
 * A bankrupt liquidation: the keeper's reward on the whole notional, capped at half the position's
 * margin (liquidating yourself costs at least the other half), and the deficit are owed together; the insurance
 * fund pays what it holds and the rest becomes ADL debt.
 */
export function bankruptShortfall(c: RefKeeperReward, notional: bigint, margin: bigint, deficit: bigint, insuranceFund: bigint) {
  const reward = min(keeperReward(c, notional), margin / 2n);
  const insuranceDraw = min(deficit + reward, insuranceFund);
  return { reward, insuranceDraw, uncovered: deficit + reward - insuranceDraw };
}

/**
 * The price impact of a trade moving the market's skew (longs minus shorts) by `delta`, in token
 * atoms: price * (s'^2 - s^2) / (2 * impactSkewScale). Positive is a charge (rounded up); negative a
 * rebate (rounded down), at most what the market's impact pool holds. Mirrors contracts/libraries/FillCostMath.sol.
 */
export function priceImpact(skew: bigint, delta: bigint, price: bigint, impactSkewScale: bigint, divisor: bigint, pool: bigint) {
  if (impactSkewScale === 0n || delta === 0n) return 0n;
  const twiceMidSkew = 2n * skew + delta;
  const grows = delta > 0n === twiceMidSkew > 0n;
  const skewProduct = abs(delta) * abs(twiceMidSkew);
  if (grows) return divCeil(divCeil(skewProduct, 2n * impactSkewScale) * price, divisor);
  return -min(((skewProduct / (2n * impactSkewScale)) * price) / divisor, pool);
}
