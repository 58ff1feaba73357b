import { expect } from "chai";
import { ethers, networkHelpers } from "../helpers/fixture.ts";

async function deployOracle(feedDecimals: number, answer: bigint, withSequencer = false) {
  const feed = await ethers.deployContract("SettableAggregator", [feedDecimals, "ETH / USD", answer]);
  const sequencer = await ethers.deployContract("SettableAggregator", [0, "L2 sequencer", 0n]);
  const oracle = await ethers.deployContract("ChainlinkPriceOracle", [
    await feed.getAddress(),
    3600,
    withSequencer ? await sequencer.getAddress() : ethers.ZeroAddress,
    withSequencer ? 600 : 0,
    1n,
    10n ** BigInt(feedDecimals + 9),
  ]);
  return { feed, sequencer, oracle };
}

describe("ChainlinkPriceOracle", () => {
  it("normalises feed decimals to WAD", async () => {
    for (const [decimals, raw] of [
      [8, 3000_00000000n],
      [18, 3000n * 10n ** 18n],
      [20, 3000n * 10n ** 20n],
      [0, 3000n],
    ] as const) {
      const { oracle } = await deployOracle(decimals, raw);
      expect(await oracle.price()).to.equal(3000n * 10n ** 18n);
    }
  });

  it("rejects zero and negative answers", async () => {
    const { feed, oracle } = await deployOracle(8, 1n);
    for (const bad of [0n, -5n]) {
      await feed.setAnswer(bad);
      await expect(oracle.price()).to.be.revertedWithCustomError(oracle, "NonPositivePrice").withArgs(bad);
    }
  });

  it("rejects answers older than the heartbeat and from the future", async () => {
    const { feed, oracle } = await deployOracle(8, 3000_00000000n);
    await networkHelpers.time.increase(3601);
    const now = BigInt(await networkHelpers.time.latest());
    await expect(oracle.price()).to.be.revertedWithCustomError(oracle, "StalePrice");
    await feed.setRoundData(3000_00000000n, now, now + 100n);
    await expect(oracle.price()).to.be.revertedWithCustomError(oracle, "StalePrice");
  });

  it("refuses prices while the L2 sequencer is down and during the grace period after restart", async () => {
    const { sequencer, oracle } = await deployOracle(8, 3000_00000000n, true);
    await expect(oracle.price()).to.be.revertedWithCustomError(oracle, "SequencerGracePeriod");
    await networkHelpers.time.increase(601);
    await sequencer.setRoundData(0n, BigInt(await networkHelpers.time.latest()) - 601n, BigInt(await networkHelpers.time.latest()));
    const { feed } = { feed: await ethers.getContractAt("SettableAggregator", await oracle.feed()) };
    await feed.setAnswer(3000_00000000n);
    expect(await oracle.price()).to.equal(3000n * 10n ** 18n);
    await sequencer.setAnswer(1n);
    await expect(oracle.price()).to.be.revertedWithCustomError(oracle, "SequencerDown");
  });

  it("refuses a sequencer-uptime feed that has no status round yet (startedAt == 0)", async () => {
    const { sequencer, oracle } = await deployOracle(8, 3000_00000000n, true);
    await networkHelpers.time.increase(601);
    await sequencer.setRoundData(0n, 0n, BigInt(await networkHelpers.time.latest()));
    await expect(oracle.price()).to.be.revertedWithCustomError(oracle, "SequencerStatusUnknown");
  });

  it("rejects answers outside the market's configured range", async () => {
    const feed = await ethers.deployContract("SettableAggregator", [8, "ETH / USD", 3000_00000000n]);
    const [min, max] = [100_00000000n, 100_000_00000000n]; // $100 .. $100,000
    const oracle = await ethers.deployContract("ChainlinkPriceOracle", [await feed.getAddress(), 3600, ethers.ZeroAddress, 0, min, max]);
    expect(await oracle.price()).to.equal(3000n * 10n ** 18n);
    for (const bad of [min - 1n, max + 1n]) {
      await feed.setAnswer(bad);
      await expect(oracle.price()).to.be.revertedWithCustomError(oracle, "AnswerOutOfBounds").withArgs(bad, min, max);
    }
    await feed.setAnswer(max);
    expect(await oracle.price()).to.equal(100_000n * 10n ** 18n);
  });

  it("bounds its configuration", async () => {
    const feed = await ethers.deployContract("SettableAggregator", [8, "x", 1n]);
    const factory = await ethers.getContractFactory("ChainlinkPriceOracle");
    await expect(ethers.deployContract("ChainlinkPriceOracle", [await feed.getAddress(), 0, ethers.ZeroAddress, 0, 1n, 10n ** 17n]))
      .to.be.revertedWithCustomError(factory, "InvalidHeartbeat")
      .withArgs(0);
    await expect(
      ethers.deployContract("ChainlinkPriceOracle", [await feed.getAddress(), 3600, ethers.ZeroAddress, 2n * 86400n, 1n, 10n ** 17n]),
    ).to.be.revertedWithCustomError(factory, "InvalidGracePeriod");
    for (const [min, max] of [
      [0n, 10n],
      [10n, 10n],
    ]) {
      await expect(ethers.deployContract("ChainlinkPriceOracle", [await feed.getAddress(), 3600, ethers.ZeroAddress, 0, min, max]))
        .to.be.revertedWithCustomError(factory, "InvalidAnswerBounds")
        .withArgs(min, max);
    }
  });

  it("proves a round published at or after the order, and reports when the latest was published", async () => {
    const { feed, oracle } = await deployOracle(8, 3000_00000000n);
    const round1At = (await feed.getRoundData(1n))[3];
    const abi = ethers.AbiCoder.defaultAbiCoder();
    const round = (id: bigint) => abi.encode(["uint80"], [id]);
    await networkHelpers.time.increase(10);
    const requestedAt = BigInt(await networkHelpers.time.latest()) + 1n;
    await feed.setAnswer(3100_00000000n); // round 2, published at requestedAt
    await feed.setAnswer(3200_00000000n); // round 3, published after it
    expect(await oracle.latestPublishTime()).to.equal(requestedAt + 1n);

    await expect(oracle.provenPrice(round(1n), requestedAt, false))
      .to.be.revertedWithCustomError(oracle, "RoundTooEarly")
      .withArgs(1n, round1At, requestedAt);
    expect(await oracle.provenPrice.staticCall(round(2n), requestedAt, true)).to.deep.equal([3100n * 10n ** 18n, requestedAt]);
    // Round 3 is after the order too, but not the first: an executor can't pick it over round 2.
    await expect(oracle.provenPrice(round(3n), requestedAt, true))
      .to.be.revertedWithCustomError(oracle, "NotFirstRoundAfter")
      .withArgs(3n, 2n, requestedAt);
    expect(await oracle.provenPrice.staticCall(round(3n), requestedAt, false)).to.deep.equal([3200n * 10n ** 18n, requestedAt + 1n]);
    expect(await oracle.updateFee(round(3n))).to.equal(0n);
  });

  it("counts the first round of a phase as first: it has no predecessor to compare with", async () => {
    const { feed, oracle } = await deployOracle(8, 3000_00000000n);
    const round1At = (await feed.getRoundData(1n))[3];
    const round1 = ethers.AbiCoder.defaultAbiCoder().encode(["uint80"], [1n]);
    expect(await oracle.provenPrice.staticCall(round1, round1At, true)).to.deep.equal([3000n * 10n ** 18n, round1At]);
  });

  it("refuses value sent with a Chainlink proof, which needs no fee", async () => {
    const { oracle } = await deployOracle(8, 3000_00000000n);
    const at = BigInt(await networkHelpers.time.latest());
    const round1 = ethers.AbiCoder.defaultAbiCoder().encode(["uint80"], [1n]);
    await expect(oracle.provenPrice(round1, at, true, { value: 1n }))
      .to.be.revertedWithCustomError(oracle, "UnexpectedValue")
      .withArgs(1n);
  });

  it("refuses proofs while the L2 sequencer is down", async () => {
    const { sequencer, oracle } = await deployOracle(8, 3000_00000000n, true);
    await networkHelpers.time.increase(601);
    await sequencer.setRoundData(1n, BigInt(await networkHelpers.time.latest()) - 700n, BigInt(await networkHelpers.time.latest()));
    const round1 = ethers.AbiCoder.defaultAbiCoder().encode(["uint80"], [1n]);
    await expect(oracle.provenPrice(round1, 0n, true)).to.be.revertedWithCustomError(oracle, "SequencerDown");
  });

  it("lets only the feed owner set answers", async () => {
    const [, stranger] = await ethers.getSigners();
    const { feed } = await deployOracle(8, 1n);
    await expect(feed.connect(stranger).setAnswer(2n)).to.be.revertedWithCustomError(feed, "OwnableUnauthorizedAccount");
  });
});
