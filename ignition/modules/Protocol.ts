// The whole protocol as one Hardhat Ignition module, built from a deploy config (deploy/*.json):
// Ignition journals every transaction, so a deploy that stops halfway resumes where it stopped and
// a finished one re-run changes nothing.
//
//   settlement token (new TestToken, or an existing token)
//   AdlQueue library -> LiquidationModule, GovernanceModule -> PerpEngine -> LiquidityVault, PerpLens
//   per market: a feed (existing, or a SettableAggregator), a ChainlinkPriceOracle with the
//   market's heartbeat and the sequencer-uptime feed, and the listing
//   insurance seed (minted first for a test token), guardian
//
// From the CLI: DEPLOY_CONFIG=deploy/local.json npx hardhat ignition deploy ignition/modules/Protocol.ts
// (scripts/deploy.ts does the same with a chain id guard and writes the address book).
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { ContractCallFuture, NamedArtifactContractDeploymentFuture } from "@nomicfoundation/ignition-core";
import { type DeploySpec, feedDecimals, loadDeploySpec, tokenDecimals } from "../../scripts/lib/deploySpec.ts";
import { defaultMarketConfig } from "../../scripts/lib/marketConfig.ts";

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

export function protocolModule(spec: DeploySpec) {
  return buildModule("Protocol", (m) => {
    const owner = m.getAccount(0);
    const decimals = tokenDecimals(spec);
    const token =
      "deploy" in spec.token
        ? m.contract("TestToken", [spec.token.deploy.name, spec.token.deploy.symbol, decimals], { id: "Token" })
        : m.contractAt("TestToken", spec.token.address, { id: "Token" });

    const adlQueue = m.library("AdlQueue");
    const orderRules = m.library("OrderRules");
    const libraries = { AdlQueue: adlQueue };
    const liquidationModule = m.contract("LiquidationModule", [token], { libraries });
    const governanceModule = m.contract("GovernanceModule", [token]);
    const orderModule = m.contract("OrderModule", [token], { libraries: { AdlQueue: adlQueue, OrderRules: orderRules } });
    const engine = m.contract("PerpEngine", [token, owner, liquidationModule, governanceModule, orderModule], { libraries });
    const vault = m.contract("LiquidityVault", [token, engine, "Perp Liquidity Vault", "PLV"]);
    const vaultSet = m.call(engine, "setVault", [vault]);
    const lens = m.contract("PerpLens", [engine]);

    const sequencer = spec.sequencer;
    const sequencerFeed = !sequencer
      ? ZERO_ADDRESS
      : "address" in sequencer.feed
        ? sequencer.feed.address
        : m.contract("SettableAggregator", [sequencer.feed.deploy.decimals, "L2 sequencer uptime", BigInt(sequencer.feed.deploy.answer)], {
            id: "SequencerFeed",
          });

    const markets: Record<string, NamedArtifactContractDeploymentFuture<string>> = {};
    let previousListing: ContractCallFuture<string, string> = vaultSet;
    for (const market of spec.markets) {
      const feed =
        "address" in market.feed
          ? market.feed.address
          : (markets[`${market.name}Feed`] = m.contract(
              "SettableAggregator",
              [market.feed.deploy.decimals, `${market.name} / USD`, BigInt(market.feed.deploy.answer)],
              { id: `${market.name}Feed` },
            ));
      // The answers the oracle accepts, in the feed's decimals: 1 atom to 1e9 unless the config says.
      const minAnswer = BigInt(market.minAnswer ?? 1);
      const maxAnswer = BigInt(market.maxAnswer ?? 10n ** BigInt(9 + feedDecimals(market.feed)));
      const oracle = m.contract(
        "ChainlinkPriceOracle",
        [feed, market.heartbeatSeconds, sequencerFeed, sequencer?.gracePeriodSeconds ?? 0, minAnswer, maxAnswer],
        { id: `${market.name}Oracle` },
      );
      markets[`${market.name}Oracle`] = oracle;
      const config: Record<string, unknown> = { ...defaultMarketConfig(ZERO_ADDRESS, decimals), oracle };
      for (const [field, value] of Object.entries(market.config ?? {})) {
        if (!(field in config) || field === "oracle" || field === "tiers")
          throw new Error(`market ${market.name}: config.${field} cannot be set`);
        config[field] = BigInt(value);
      }
      // Listed one after another, in the file's order: market ids follow it.
      previousListing = m.call(engine, "listMarket", [config as never], { id: `List${market.name}`, after: [previousListing] });
    }

    const seed = BigInt(spec.insuranceSeed) * 10n ** BigInt(decimals);
    if (seed > 0n) {
      const minted = "deploy" in spec.token ? [m.call(token, "mint", [owner, seed], { id: "MintInsuranceSeed" })] : [];
      const approved = m.call(token, "approve", [engine, seed], { id: "ApproveInsuranceSeed", after: minted });
      m.call(engine, "fundInsurance", [seed], { id: "SeedInsurance", after: [approved] });
    }
    if (spec.guardian) m.call(engine, "setGuardian", [spec.guardian], { id: "SetGuardian" });

    return { token, adlQueue, liquidationModule, governanceModule, engine, vault, lens, ...markets };
  });
}

export default protocolModule(loadDeploySpec(process.env.DEPLOY_CONFIG ?? "deploy/local.json"));
