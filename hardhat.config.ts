import { createRequire } from "node:module";
import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { configVariable, defineConfig } from "hardhat/config";

const require = createRequire(import.meta.url);

// Hardhat cannot download solc on this offline toolchain, so it uses the solc-js build from npm.
// Hardhat does not check `version` against that build, so a mismatch would silently mislabel artifacts.
const SOLC_VERSION = "0.8.28";
const bundledSolc: { version: string } = require("solc/package.json");
if (bundledSolc.version !== SOLC_VERSION) {
  throw new Error(`solc package is ${bundledSolc.version}, hardhat.config.ts expects ${SOLC_VERSION}`);
}

const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 256);
const INVARIANT_RUNS = Number(process.env.INVARIANT_RUNS ?? 32);
const INVARIANT_DEPTH = Number(process.env.INVARIANT_DEPTH ?? 40);

export default defineConfig({
  plugins: [hardhatToolboxMochaEthers],
  solidity: {
    version: SOLC_VERSION,
    path: require.resolve("solc/soljson.js"),
    settings: {
      evmVersion: "cancun",
      optimizer: { enabled: true, runs: 200 },
      // scripts/check-contracts.ts compares the layouts of the engine and its modules.
      outputSelection: { "*": { "*": ["storageLayout"] } },
    },
    // Pyth's MockPyth backs the Pyth adapter on local chains and in tests; build it from the SDK.
    npmFilesToBuild: ["@pythnetwork/pyth-sdk-solidity/MockPyth.sol"],
    // Contracts and Solidity tests compile as two solc jobs: as one, the input outgrew what the
    // solc-js (wasm) build can hold and it crashed (HHE908, "memory access out of bounds").
    splitTestsCompilation: true,
  },
  paths: {
    tests: { mocha: "test/flows", solidity: "test/solidity" },
    // Tests journal their deployments in a temporary folder instead of ignition/deployments.
    ignition: process.env.IGNITION_DIR ?? "ignition",
  },
  test: {
    solidity: {
      fuzz: { runs: FUZZ_RUNS },
      invariant: { runs: INVARIANT_RUNS, depth: INVARIANT_DEPTH, failOnRevert: false },
    },
  },
  // `npx hardhat ignition verify <deployment id> --network testnet` verifies every contract of a
  // deployment (libraries and constructor arguments come from its journal); the explorer key comes
  // from the environment or Hardhat's keystore (npx hardhat keystore set ETHERSCAN_API_KEY).
  verify: { etherscan: { apiKey: configVariable("ETHERSCAN_API_KEY") } },
  networks: {
    localhost: { type: "http", chainType: "l1", url: process.env.RPC_URL ?? "http://127.0.0.1:8545" },
    // Any EVM testnet: both values come from the environment (or Hardhat's keystore) when used.
    // scripts/deploy.ts refuses a chain other than its deploy config's chainId on every network.
    testnet: {
      type: "http",
      chainType: "l1",
      url: configVariable("TESTNET_RPC_URL"),
      accounts: [configVariable("DEPLOYER_PRIVATE_KEY")],
    },
  },
});
