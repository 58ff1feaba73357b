// A freshly deployed protocol on a test's own in-process connection (for tests that snapshot,
// revert or stop automine): the ETH market at $3,000, the first signer's vault deposit, and a
// helper that funds a signer and opens its position.
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { deployTestProtocol } from "./testProtocol.ts";

export async function deployMarket(ethers: HardhatEthers, vaultAtoms: bigint) {
  const signers = await ethers.getSigners();
  const [lp] = signers;
  const deployed = await deployTestProtocol(ethers, { markets: [{ name: "ETH", initialAnswer: 3000_00000000n }] });
  const { engine, token, vault } = deployed;
  await token.mint(lp.address, vaultAtoms);
  await token.connect(lp).approve(await vault.getAddress(), ethers.MaxUint256);
  await vault.connect(lp).deposit(vaultAtoms, lp.address);
  /** Deposits twice the margin (fees come out of it) and opens; returns the position id. */
  const open = async (trader: HardhatEthersSigner, size: bigint, margin: bigint) => {
    await token.mint(trader.address, margin * 2n);
    await token.connect(trader).approve(await engine.getAddress(), ethers.MaxUint256);
    await engine.connect(trader).deposit(margin * 2n);
    await engine.connect(trader).openPosition(0, size, margin, size > 0n ? ethers.MaxUint256 : 0n, 2n ** 40n, 0);
    return engine.positionIdOf(trader.address, 0) as Promise<bigint>;
  };
  return { ...deployed, feed: deployed.markets[0].feed, signers, open };
}
