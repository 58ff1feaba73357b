// Numbers for people: collateral atoms (6 decimals) and WAD prices as USD, WAD fractions as %,
// sizes in base units, leverage as "x". Exact bigints are converted only at the last step.
import { formatUnits } from "viem";

/** The collateral token's decimals (the protocol's USD-stable collateral). */
export const COLLATERAL_DECIMALS = 6;
export const WAD_DECIMALS = 18;
const WAD = 10n ** 18n;
/** PerpLens.insuranceCoverage answers uint256 max when nothing is open. */
const UNBOUNDED = 2n ** 256n - 1n;

const usdFormat = new Intl.NumberFormat("en-US", {
  style: "currency",
  currency: "USD",
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});
const numberFormat = (digits: number) => new Intl.NumberFormat("en-US", { maximumFractionDigits: digits });

/** Token atoms (6 decimals) as "$1,234.56"; signed values keep their minus. */
export const usd = (atoms: bigint) => usdFormat.format(Number(formatUnits(atoms, COLLATERAL_DECIMALS)));

/** A WAD price as "$3,000.00". */
export const price = (wad: bigint) => usdFormat.format(Number(formatUnits(wad, WAD_DECIMALS)));

/** A WAD size in base units, unsigned, e.g. "2.5 ETH". */
export const size = (wad: bigint, unit: string) =>
  `${numberFormat(4).format(Number(formatUnits(wad < 0n ? -wad : wad, WAD_DECIMALS)))} ${unit}`;

/** A WAD fraction as a percentage: 0.05e18 is "5.00%". */
export function percent(wad: bigint, digits = 2): string {
  if (wad === UNBOUNDED) return "∞";
  return `${numberFormat(digits).format(Number(formatUnits(wad * 100n, WAD_DECIMALS)))}%`;
}

/** Funding per second (WAD, signed) as a rate per hour: "+0.0012%/h" (longs pay when positive). */
export const fundingPerHour = (perSecond: bigint) => {
  const text = percent(perSecond * 3600n, 4);
  return `${perSecond > 0n ? "+" : ""}${text}/h`;
};

/** Notional over equity as "4.2x"; "—" once equity is gone (the position is bankrupt). */
export function leverage(notional: bigint, equity: bigint): string {
  if (equity <= 0n) return "—";
  return `${numberFormat(1).format(Number((notional * 100n) / equity) / 100)}x`;
}

/**
 * An ADL score: edge(bucket) x (X - k), a large signed number that only orders positions, so it is
 * shown to four significant digits ("-3.408e17"); the exact value stays on chain.
 */
export const score = (value: bigint) => Number(value).toExponential(3).replace("e+", "e");

/** "0x1234…abcd" */
export const shortAddress = (address: string) => `${address.slice(0, 6)}…${address.slice(-4)}`;

export const side = (isLong: boolean) => (isLong ? "long" : "short");

/** The share of `part` in `whole` as a 0..1 number (for bar widths), 0 when `whole` is 0. */
export const ratio = (part: bigint, whole: bigint) => (whole === 0n ? 0 : Number((part * WAD) / whole) / 1e18);
