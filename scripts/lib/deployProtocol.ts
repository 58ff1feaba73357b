import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { ChainlinkPriceOracle, MockPyth, PythPriceOracle, SettableAggregator } from "../../types/ethers-contracts/index.ts";
import type { AddressBook } from "./addressBook.ts";
import { deployPythOracle, type PythSourceSpec } from "./deployPythOracle.ts";
import { defaultMarketConfig, type MarketConfig } from "./marketConfig.ts";

export interface MarketSpec {
  name: string;
  /** An existing Chainlink feed; when omitted a SettableAggregator is deployed for local runs. */
  feed?: string;
  /** The settable feed's first answer with `feedDecimals` decimals, e.g. 3000_00000000n for $3000. */
  initialAnswer?: bigint;
  feedDecimals?: number;
  heartbeatSeconds?: number;
  /** The answers the adapter accepts, in the feed's decimals; defaults to 1 atom .. 1e9 (quote per base). */
  minAnswer?: bigint;
  maxAnswer?: bigint;
  /** Prices the market with Pyth instead of Chainlink; the feed fields above are then unused. */
  pyth?: PythSourceSpec;
  configure?: (config: MarketConfig) => MarketConfig;
}

export interface ChainlinkMarket {
  marketId: number;
  name: string;
  oracle: ChainlinkPriceOracle;
  feed: SettableAggregator;
}
export interface PythMarket {
  marketId: number;
  name: string;
  oracle: PythPriceOracle;
  pyth: MockPyth;
  priceId: `0x${string}`;
}
/** A deployed market as its spec declares it (by position, for a literal list of specs): specs with `pyth` give Pyth markets. */
export type DeployedMarket<Spec> = Spec extends { pyth: PythSourceSpec } ? PythMarket : ChainlinkMarket;

export interface DeployOptions {
  /** An existing settlement token; a mintable TestToken is deployed when omitted. */
  collateralToken?: string;
  tokenDecimals?: number;
  markets: MarketSpec[];
  owner?: HardhatEthersSigner;
  guardian?: string;
  /**
   * The engine contract: "PerpEngine", or a test or benchmark harness built on it with the same
   * constructor ("ImmediateTradingEngine", "EngineBench"), which gets the test-only order module with
   * one-step trades.
   */
  engineContract?: string;
}

/**
 * Deploys the ADL queue and order-rules libraries, the order, liquidation and governance modules,
 * and the engine that delegates to them.
 */
export async function deployEngine(ethers: HardhatEthers, token: string, owner: HardhatEthersSigner, engineContract = "PerpEngine") {
  const adlQueue = await ethers.deployContract("AdlQueue", [], owner);
  const orderRules = await ethers.deployContract("OrderRules", [], owner);
  const libraries = { "project/contracts/adl/AdlQueue.sol:AdlQueue": await adlQueue.getAddress() };
  const orderLibraries = { ...libraries, "project/contracts/libraries/OrderRules.sol:OrderRules": await orderRules.getAddress() };
  const liquidationModule = await (await ethers.getContractFactory("LiquidationModule", { libraries, signer: owner })).deploy(token);
  const governanceModule = await ethers.deployContract("GovernanceModule", [token], owner);
  // Harnesses built on the engine come with the test-only module that also trades in one step.
  const orderModuleContract = engineContract === "PerpEngine" ? "OrderModule" : "ImmediateTradingModule";
  const orderModule = await (
    await ethers.getContractFactory(orderModuleContract as "OrderModule", { libraries: orderLibraries, signer: owner })
  ).deploy(token);
  const engineFactory = await ethers.getContractFactory(engineContract as "PerpEngine", { libraries, signer: owner }); // typed as the engine it extends
  const engine = await engineFactory.deploy(
    token,
    owner.address,
    await liquidationModule.getAddress(),
    await governanceModule.getAddress(),
    await orderModule.getAddress(),
  );
  await engine.waitForDeployment();
  return { engine, liquidationModule, governanceModule, orderModule, adlQueue, orderRules };
}

/**
 * Deploys the engine, the vault and one price source per market (a Chainlink adapter over a given
 * or a settable feed, or a Pyth adapter over a given Pyth or a local MockPyth), wires them
 * together and lists the markets. Used by the demo, the testnet deploy script and the tests.
 */
export async function deployProtocol<const Specs extends readonly MarketSpec[]>(
  ethers: HardhatEthers,
  options: Omit<DeployOptions, "markets"> & { markets: Specs },
) {
  const [defaultOwner] = await ethers.getSigners();
  const owner = options.owner ?? defaultOwner;
  const startBlock = await ethers.provider.getBlockNumber();
  const decimals = options.tokenDecimals ?? 6;

  const token = options.collateralToken
    ? await ethers.getContractAt("TestToken", options.collateralToken, owner)
    : await ethers.deployContract("TestToken", ["Test USD", "tUSD", decimals], owner);
  const { engine } = await deployEngine(ethers, await token.getAddress(), owner, options.engineContract);
  const vault = await ethers.deployContract(
    "LiquidityVault",
    [await token.getAddress(), await engine.getAddress(), "Perp Liquidity Vault", "PLV"],
    owner,
  );
  await (await engine.setVault(await vault.getAddress())).wait();
  const lens = await ethers.deployContract("PerpLens", [await engine.getAddress()], owner);
  if (options.guardian) await (await engine.setGuardian(options.guardian)).wait();

  const listMarket = async (oracle: string, spec: MarketSpec) => {
    const base = defaultMarketConfig(oracle, Number(await token.decimals()));
    await (await engine.listMarket(spec.configure ? spec.configure(base) : base)).wait();
  };
  const markets: (ChainlinkMarket | PythMarket)[] = [];
  const localPyth: { current?: MockPyth } = {};
  for (const [marketId, spec] of options.markets.entries()) {
    if (spec.pyth) {
      const { oracle, pyth } = await deployPythOracle(ethers, spec.pyth, owner, localPyth);
      await listMarket(await oracle.getAddress(), spec);
      markets.push({ marketId, name: spec.name, oracle, pyth, priceId: spec.pyth.priceId });
      continue;
    }
    const feed = spec.feed
      ? await ethers.getContractAt("SettableAggregator", spec.feed, owner)
      : await ethers.deployContract("SettableAggregator", [spec.feedDecimals ?? 8, `${spec.name} / USD`, spec.initialAnswer ?? 0n], owner);
    const oracle = await ethers.deployContract(
      "ChainlinkPriceOracle",
      [
        await feed.getAddress(),
        spec.heartbeatSeconds ?? 3600,
        ethers.ZeroAddress,
        0,
        spec.minAnswer ?? 1n,
        spec.maxAnswer ?? 10n ** BigInt(9 + Number(await feed.decimals())),
      ],
      owner,
    );
    await listMarket(await oracle.getAddress(), spec);
    markets.push({ marketId, name: spec.name, feed, oracle });
  }

  const addressBook: AddressBook = {
    chainId: Number((await ethers.provider.getNetwork()).chainId),
    deploymentBlock: startBlock + 1,
    engine: (await engine.getAddress()) as `0x${string}`,
    vault: (await vault.getAddress()) as `0x${string}`,
    lens: (await lens.getAddress()) as `0x${string}`,
    collateralToken: (await token.getAddress()) as `0x${string}`,
    markets: await Promise.all(
      markets.map(async (m) => ({
        marketId: m.marketId,
        name: m.name,
        oracle: (await m.oracle.getAddress()) as `0x${string}`,
        ...("pyth" in m
          ? { feed: (await m.pyth.getAddress()) as `0x${string}`, source: "pyth" as const, pythPriceId: m.priceId }
          : { feed: (await m.feed.getAddress()) as `0x${string}`, source: "chainlink" as const }),
      })),
    ),
  };
  return {
    token,
    engine,
    vault,
    lens,
    markets: markets as unknown as { -readonly [K in keyof Specs]: DeployedMarket<Specs[K]> },
    addressBook,
    owner,
  };
}
