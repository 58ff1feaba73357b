// The build artifacts the keeper reads its ABIs from, relative to artifacts/contracts. The runtime
// image ships exactly these (scripts/keeper-runtime.ts), so this list is the one place to add one.
export const KEEPER_ARTIFACTS = {
  engine: "core/PerpEngine.sol/PerpEngine.json",
  lens: "lens/PerpLens.sol/PerpLens.json",
  oracle: "oracle/ChainlinkPriceOracle.sol/ChainlinkPriceOracle.json",
  pythOracle: "oracle/PythPriceOracle.sol/PythPriceOracle.json",
} as const;
