// Tests set positions up through the test-only ImmediateTradingEngine (contracts/test/): the real
// engine plus one-step trades at the current price, so a liquidation or ADL test needs one call per
// position. The product trades only through orders; test/flows/orders*.test.ts cover that path.
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { deployProtocol, type DeployOptions } from "../../scripts/lib/deployProtocol.ts";
import type { MarketConfig } from "../../scripts/lib/marketConfig.ts";

/**
 * Its markets charge no price impact unless a test's `configure` sets impactSkewScale, so the fee
 * arithmetic that most tests check stays exact; test/flows/orders-impact.test.ts covers impact.
 */
export async function deployTestProtocol(ethers: HardhatEthers, options: DeployOptions) {
  const markets = options.markets.map((spec) => ({
    ...spec,
    configure: (config: MarketConfig) => (spec.configure ?? ((c: MarketConfig) => c))({ ...config, impactSkewScale: 0n }),
  }));
  const deployed = await deployProtocol(ethers, {
    ...options,
    markets,
    engineContract: options.engineContract ?? "ImmediateTradingEngine",
  });
  const engine = await ethers.getContractAt("ImmediateTradingEngine", await deployed.engine.getAddress(), deployed.owner);
  return { ...deployed, engine };
}
