// Default market parameters. Every value is checked against the on-chain hard bounds in
// contracts/libraries/MarketConfigLib.sol when the market is listed.

const WAD = 10n ** 18n;

/** A WAD fraction from a decimal percentage, e.g. pct("0.5") = 0.5%. */
export function pct(percent: string): bigint {
  const [whole, fraction = ""] = percent.split(".");
  const digits = (fraction + "0".repeat(16)).slice(0, 16);
  return BigInt(whole) * 10n ** 16n + BigInt(digits);
}

export interface RiskTier {
  maxNotional: bigint;
  initialMarginRate: bigint;
  maintenanceMarginRate: bigint;
}

export interface MarketConfig {
  oracle: string;
  tradingFeeRate: bigint;
  insuranceFeeShare: bigint;
  liquidationPenaltyRate: bigint;
  liquidationBufferRate: bigint;
  keeperRewardRate: bigint;
  keeperRewardFixed: bigint;
  keeperRewardCap: bigint;
  maxLiquidationNotional: bigint;
  minPositionNotional: bigint;
  maxLongSize: bigint;
  maxShortSize: bigint;
  maxFundingRatePerSecond: bigint;
  skewScale: bigint;
  tierCount: number;
  tiers: [RiskTier, RiskTier, RiskTier, RiskTier];
  maxPnlFactor: bigint;
  targetPnlFactor: bigint;
  impactSkewScale: bigint;
}

const EMPTY_TIER: RiskTier = { maxNotional: 0n, initialMarginRate: 0n, maintenanceMarginRate: 0n };

/**
 * Sensible defaults for a majors market settled in a token with `decimals` decimals:
 * 20x maximum leverage up to 100k notional, stepping down to 5x above 1M.
 */
export function defaultMarketConfig(oracle: string, decimals: number): MarketConfig {
  const unit = 10n ** BigInt(decimals);
  const tiers: RiskTier[] = [
    { maxNotional: 100_000n * unit, initialMarginRate: pct("5"), maintenanceMarginRate: pct("2.5") },
    { maxNotional: 1_000_000n * unit, initialMarginRate: pct("10"), maintenanceMarginRate: pct("5") },
    { maxNotional: 10_000_000n * unit, initialMarginRate: pct("20"), maintenanceMarginRate: pct("10") },
  ];
  return {
    oracle,
    tradingFeeRate: pct("0.05"),
    insuranceFeeShare: pct("20"),
    liquidationPenaltyRate: pct("0.5"),
    liquidationBufferRate: pct("25"),
    keeperRewardRate: pct("0.1"),
    keeperRewardFixed: 1n * unit,
    keeperRewardCap: 50n * unit,
    maxLiquidationNotional: 250_000n * unit,
    minPositionNotional: 10n * unit,
    maxLongSize: 10_000n * WAD,
    maxShortSize: 10_000n * WAD,
    maxFundingRatePerSecond: pct("0.1") / 3600n, // 0.1% per hour at full skew
    skewScale: 1_000n * WAD,
    tierCount: tiers.length,
    tiers: [...tiers, ...Array(4 - tiers.length).fill(EMPTY_TIER)] as MarketConfig["tiers"],
    maxPnlFactor: pct("45"), // pool-protection ADL when one side's profit exceeds 45% of vault assets
    targetPnlFactor: pct("40"),
    // A 1,000 ETH trade against a balanced book pays 0.05% impact; 10,000 ETH of skew costs 1% more.
    impactSkewScale: 1_000_000n * WAD,
  };
}
