import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { MockPyth, PythPriceOracle } from "../../types/ethers-contracts/index.ts";
import { encodeMockPythUpdate } from "./mockPythUpdate.ts";

const WAD = 10n ** 18n;

/** A market priced by Pyth. */
export interface PythSourceSpec {
  /** The feed id, 32 bytes hex. */
  priceId: `0x${string}`;
  /** An existing Pyth contract; when omitted a local MockPyth (with Pyth's uniqueness check) is deployed. */
  address?: string;
  /** The local MockPyth's first price (`price * 10**expo`), published at deployment. */
  initialPrice?: { price: bigint; conf: bigint; expo: number };
  /** How old the stored price may be for price() (default 60 s). */
  maxAgeSeconds?: number;
  /** The widest confidence interval accepted, as a WAD share of the price (default 1e16 = 1%). */
  maxConfidenceRatioWad?: bigint;
  /** The prices accepted, as WADs (default 1e-18 .. 1e9 quote per base, as the Chainlink default). */
  minPriceWad?: bigint;
  maxPriceWad?: bigint;
  /** The local MockPyth's fee per update, in wei (default 1). */
  localUpdateFeeWei?: bigint;
}

/**
 * Deploys a PythPriceOracle for one market. `localPyth` is the MockPyth shared by every Pyth market
 * of a local deployment (one Pyth contract per chain, as on a real one); it is created on first use.
 */
export async function deployPythOracle(
  ethers: HardhatEthers,
  spec: PythSourceSpec,
  owner: HardhatEthersSigner,
  localPyth: { current?: MockPyth },
  sequencer: { feed: string; gracePeriod: number } = { feed: ethers.ZeroAddress, gracePeriod: 0 },
): Promise<{ oracle: PythPriceOracle; pyth: MockPyth }> {
  let pyth: MockPyth;
  if (spec.address) {
    // Typed as MockPyth for its IPyth functions; a real Pyth contract answers the same ones.
    pyth = await ethers.getContractAt("MockPyth", spec.address, owner);
  } else {
    if (!localPyth.current) {
      // The strict front forwards every MockPyth call, so MockPyth's interface fits it.
      const front = await ethers.deployContract("StrictUniqueMockPyth", [spec.maxAgeSeconds ?? 60, spec.localUpdateFeeWei ?? 1n], owner);
      localPyth.current = await ethers.getContractAt("MockPyth", await front.getAddress(), owner);
    }
    pyth = localPyth.current;
  }
  const oracle = await ethers.deployContract(
    "PythPriceOracle",
    [
      await pyth.getAddress(),
      spec.priceId,
      spec.maxAgeSeconds ?? 60,
      spec.maxConfidenceRatioWad ?? WAD / 100n,
      sequencer.feed,
      sequencer.gracePeriod,
      spec.minPriceWad ?? 1n,
      spec.maxPriceWad ?? 10n ** 9n * WAD,
    ],
    owner,
  );
  if (!spec.address && spec.initialPrice) {
    const latest = await ethers.provider.getBlock("latest");
    const update = encodeMockPythUpdate({ id: spec.priceId, ...spec.initialPrice, publishTime: latest!.timestamp, prevPublishTime: 0 });
    const fee = await pyth.getUpdateFee([update]);
    await (await oracle.updatePrice([update], { value: fee })).wait();
  }
  return { oracle, pyth };
}
