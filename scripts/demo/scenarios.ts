// The demo's scenarios: a price path and the capital around it. Each is sized so that one run shows
// every part of the protocol's crash handling: partial, full and bankrupt liquidations, insurance
// draws, ADL fills in rank order and a pool-protection ADL.
export interface PriceStep {
  label: string;
  /** The feed's next answer, in dollars. */
  price: number;
}

export interface Scenario {
  name: string;
  description: string;
  startPrice: number;
  /** One oracle round each; the keeper works each one off before the next. */
  steps: PriceStep[];
  /** LP capital: small enough that the winners' profit trips the pool protection (45% of the vault). */
  vaultUsd: number;
  /** Insurance: less than the bankrupt positions' deficits, so ADL covers the rest. */
  insuranceUsd: number;
}

export const SCENARIOS: Record<string, Scenario> = {
  crash: {
    name: "crash",
    description:
      "ETH gaps down 8% and 8% again, then rebounds 30%: stretched longs are liquidated, the bankrupt ones' deficits drain the insurance fund and are taken from the top-ranked shorts by ADL, the shorts' profit trips the pool protection, and on the rebound the surviving longs' profit trips it on the other side",
    startPrice: 3000,
    steps: [
      { label: "crash -8%", price: 2760 },
      { label: "crash -8% more", price: 2540 },
      { label: "rebound +30%", price: 3300 },
    ],
    vaultUsd: 150_000,
    insuranceUsd: 2_000,
  },
  squeeze: {
    name: "squeeze",
    description:
      "ETH squeezes up 8% and 8% again, then falls back 23%: the mirror image of the crash, with stretched shorts liquidated and the longs deleveraged",
    startPrice: 3000,
    steps: [
      { label: "squeeze +8%", price: 3240 },
      { label: "squeeze +8% more", price: 3500 },
      { label: "fall back -23%", price: 2700 },
    ],
    vaultUsd: 150_000,
    insuranceUsd: 2_000,
  },
};

export function scenarioNamed(name: string): Scenario {
  const scenario = SCENARIOS[name];
  if (!scenario) throw new Error(`unknown scenario "${name}": choose one of ${Object.keys(SCENARIOS).join(", ")}`);
  return scenario;
}
