import { expect } from "chai";
import { deployEngine } from "../../scripts/lib/deployProtocol.ts";
import { ethers, networkHelpers, protocolFixture, usd } from "../helpers/fixture.ts";

describe("collateral accounts", () => {
  it("credits deposits and debits withdrawals, with events", async () => {
    const { engine, token, alice, bob } = await networkHelpers.loadFixture(protocolFixture);
    const before = await engine.freeBalance(alice.address);
    await expect(engine.connect(alice).deposit(usd(250)))
      .to.emit(engine, "BalanceChanged")
      .withArgs(alice.address, before + usd(250), usd(250));
    const bobTokens = await token.balanceOf(bob.address);
    await expect(engine.connect(alice).withdraw(usd(100), bob.address))
      .to.emit(engine, "BalanceChanged")
      .withArgs(alice.address, before + usd(150), -usd(100));
    expect(await token.balanceOf(bob.address)).to.equal(bobTokens + usd(100));
  });

  it("rejects zero amounts, a zero recipient and withdrawals beyond the free balance, changing nothing", async () => {
    const { engine, alice } = await networkHelpers.loadFixture(protocolFixture);
    const balance = await engine.freeBalance(alice.address);
    await expect(engine.connect(alice).deposit(0n)).to.be.revertedWithCustomError(engine, "ZeroAmount");
    await expect(engine.connect(alice).withdraw(0n, alice.address)).to.be.revertedWithCustomError(engine, "ZeroAmount");
    await expect(engine.connect(alice).withdraw(usd(1), ethers.ZeroAddress)).to.be.revertedWithCustomError(engine, "ZeroAddress");
    await expect(engine.connect(alice).withdraw(balance + 1n, alice.address))
      .to.be.revertedWithCustomError(engine, "InsufficientBalance")
      .withArgs(alice.address, balance, balance + 1n);
    expect(await engine.freeBalance(alice.address)).to.equal(balance);
  });

  it("cannot withdraw collateral that backs a position's margin", async () => {
    const { engine, alice } = await networkHelpers.loadFixture(protocolFixture);
    const { MAX_PRICE, farDeadline, size } = await import("../helpers/fixture.ts");
    await engine.connect(alice).openPosition(0, size(1), usd(60_000), MAX_PRICE, await farDeadline(), 0);
    await expect(engine.connect(alice).withdraw(usd(40_001), alice.address)).to.be.revertedWithCustomError(engine, "InsufficientBalance");
    await engine.connect(alice).withdraw(usd(40_000), alice.address);
    expect(await engine.freeBalance(alice.address)).to.equal(0n);
  });

  it("credits only what arrived from a fee-on-transfer token", async () => {
    const [owner] = await ethers.getSigners();
    const feeToken = await ethers.deployContract("FeeOnTransferToken");
    const { engine } = await deployEngine(ethers, await feeToken.getAddress(), owner);
    await feeToken.mint(owner.address, 1_000_000n);
    await feeToken.approve(await engine.getAddress(), 1_000_000n);
    await engine.deposit(1_000_000n);
    expect(await engine.freeBalance(owner.address)).to.equal(990_000n);
    expect(await feeToken.balanceOf(await engine.getAddress())).to.equal(990_000n);
  });

  it("accepts settlement tokens with 6 to 18 decimals and nothing else", async () => {
    const [owner] = await ethers.getSigners();
    for (const decimals of [6, 8, 18]) {
      const token = await ethers.deployContract("TestToken", ["T", "T", decimals]);
      const { engine } = await deployEngine(ethers, await token.getAddress(), owner);
      expect(await engine.valueDivisor()).to.equal(10n ** BigInt(36 - decimals));
    }
    const libraries = { "project/contracts/adl/AdlQueue.sol:AdlQueue": await (await ethers.deployContract("AdlQueue")).getAddress() };
    const factory = await ethers.getContractFactory("LiquidationModule", { libraries });
    for (const decimals of [5, 19]) {
      const token = await ethers.deployContract("TestToken", ["T", "T", decimals]);
      await expect(factory.deploy(await token.getAddress()))
        .to.be.revertedWithCustomError(factory, "UnsupportedDecimals")
        .withArgs(decimals);
    }
  });
});
