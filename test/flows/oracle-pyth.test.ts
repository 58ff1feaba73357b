import { expect } from "chai";
import type { Hex } from "viem";
import { encodeMockPythUpdate, type PythPricePoint } from "../../scripts/lib/mockPythUpdate.ts";
import { deployProtocol } from "../../scripts/lib/deployProtocol.ts";
import { ethers, networkHelpers, WAD } from "../helpers/fixture.ts";

const ETH_USD = ("0x" + "ee".repeat(32)) as Hex;
const FEE = 100n; // wei per update
const MAX_AGE = 60n;
const ONE_PERCENT = 10n ** 16n;
const MIN_PRICE = 100n * WAD;
const MAX_PRICE = 100_000n * WAD;
const priceData = (updates: Hex[]) => ethers.AbiCoder.defaultAbiCoder().encode(["bytes[]"], [updates]) as Hex;
const now = async () => BigInt(await networkHelpers.time.latest());

/** Defaults: $3000 with 8 decimals, a 0.1% interval, published at the latest block, no update before it. */
async function update(overrides: Partial<PythPricePoint> = {}): Promise<Hex> {
  const point: PythPricePoint = {
    id: ETH_USD,
    price: 3000_00000000n,
    conf: 3_00000000n,
    expo: -8,
    publishTime: Number(await now()),
    prevPublishTime: 0,
  };
  return encodeMockPythUpdate({ ...point, ...overrides });
}

interface DeployOptions {
  /** false: MockPyth as the SDK ships it, without the uniqueness check. */
  strict?: boolean;
  minPrice?: bigint;
  maxPrice?: bigint;
  sequencer?: string;
}

async function deploy(options: DeployOptions = {}) {
  let pythAddress: string;
  let feeCollector: string;
  if (options.strict === false) {
    pythAddress = feeCollector = await (await ethers.deployContract("MockPyth", [MAX_AGE, FEE])).getAddress();
  } else {
    const front = await ethers.deployContract("StrictUniqueMockPyth", [MAX_AGE, FEE]);
    pythAddress = await front.getAddress();
    feeCollector = await front.mock();
  }
  // The strict front forwards every MockPyth call, so MockPyth's ABI (and its errors) fit both.
  const pyth = await ethers.getContractAt("MockPyth", pythAddress);
  const oracle = await ethers.deployContract("PythPriceOracle", [
    pythAddress,
    ETH_USD,
    MAX_AGE,
    ONE_PERCENT,
    options.sequencer ?? ethers.ZeroAddress,
    options.sequencer ? 600 : 0,
    options.minPrice ?? MIN_PRICE,
    options.maxPrice ?? MAX_PRICE,
  ]);
  const push = async (data: Hex) => (await oracle.updatePrice([data], { value: FEE })).wait();
  return { pyth, feeCollector, oracle, push };
}

describe("PythPriceOracle", () => {
  it("normalises negative, zero and positive exponents to WAD, rounding down below 1e-18", async () => {
    const { oracle, push } = await deploy({ minPrice: 1n, maxPrice: ethers.MaxUint256 });
    let t = Number(await now());
    for (const [price, expo, wad] of [
      [3000_00000000n, -8, 3000n * WAD],
      [3n * WAD, -18, 3n * WAD],
      [3n * 10n ** 18n + 99n, -20, 3n * 10n ** 16n], // the last two digits are below one WAD atom
      [3000n, 0, 3000n * WAD],
      [30n, 2, 3000n * WAD],
      [2n ** 63n - 1n, 40, (2n ** 63n - 1n) * 10n ** 58n], // the largest exponent, the largest int64
    ] as const) {
      await push(await update({ price, conf: 0n, expo, publishTime: ++t }));
      expect(await oracle.price()).to.equal(wad);
    }
    // The smallest exponent: 1e18 * 10^-95 is 1e18 / 10^77 = 0 as a WAD, below any bound.
    await push(await update({ price: 10n ** 18n, conf: 0n, expo: -95, publishTime: ++t }));
    await expect(oracle.price()).to.be.revertedWithCustomError(oracle, "PriceOutOfBounds").withArgs(0n, 1n, ethers.MaxUint256);
  });

  it("refuses exponents whose WAD would overflow or that need a power of ten beyond uint256", async () => {
    const { oracle, push } = await deploy({ minPrice: 1n, maxPrice: ethers.MaxUint256 });
    let t = Number(await now());
    for (const expo of [41, -96]) {
      await push(await update({ expo, conf: 0n, publishTime: ++t }));
      await expect(oracle.price()).to.be.revertedWithCustomError(oracle, "ExponentOutOfRange").withArgs(expo, -95, 40);
    }
  });

  it("refuses a stored price older than maxAge, or published further ahead than maxAge; a little ahead is fresh", async () => {
    const { oracle, push } = await deploy();
    const t = await now();
    await push(await update({ publishTime: Number(t) })); // mined at t + 1
    await networkHelpers.time.increase(MAX_AGE - 1n);
    expect(await oracle.price()).to.equal(3000n * WAD); // exactly maxAge old
    await networkHelpers.time.increase(1);
    await expect(oracle.price())
      .to.be.revertedWithCustomError(oracle, "StalePrice")
      .withArgs(t, MAX_AGE, await now());
    const [valuation, fresh] = await oracle.valuationPrice();
    expect([valuation, fresh]).to.deep.equal([3000n * WAD, false]);

    await push(await update({ publishTime: Number((await now()) + 5n) }));
    expect(await oracle.price()).to.equal(3000n * WAD);
    const ahead = (await now()) + MAX_AGE + 10n;
    await push(await update({ publishTime: Number(ahead) }));
    await expect(oracle.price())
      .to.be.revertedWithCustomError(oracle, "StalePrice")
      .withArgs(ahead, MAX_AGE, await now());
    expect(await oracle.latestPublishTime()).to.equal(ahead);
  });

  it("refuses a confidence interval wider than the market's share of the price; valuation calls it not fresh", async () => {
    const { oracle, push } = await deploy();
    let t = Number(await now());
    await push(await update({ conf: 30_00000000n, publishTime: ++t })); // exactly 1%
    expect(await oracle.price()).to.equal(3000n * WAD);
    await push(await update({ conf: 30_00000001n, publishTime: ++t }));
    await expect(oracle.price())
      .to.be.revertedWithCustomError(oracle, "ConfidenceTooWide")
      .withArgs(30_00000001n, 3000_00000000n, ONE_PERCENT);
    expect(await oracle.valuationPrice()).to.deep.equal([3000n * WAD, false]);
  });

  it("refuses zero and negative prices, and prices outside the market's range", async () => {
    const { oracle, push } = await deploy();
    let t = Number(await now());
    for (const bad of [0n, -5n]) {
      await push(await update({ price: bad, conf: 0n, publishTime: ++t }));
      await expect(oracle.price()).to.be.revertedWithCustomError(oracle, "NonPositivePrice").withArgs(bad);
      await expect(oracle.valuationPrice()).to.be.revertedWithCustomError(oracle, "NonPositivePrice").withArgs(bad);
    }
    for (const [raw, wad] of [
      [99_99999999n, 99_99999999n * 10n ** 10n],
      [100_000_00000001n, 100_000_00000001n * 10n ** 10n],
    ]) {
      await push(await update({ price: raw, conf: 0n, publishTime: ++t }));
      await expect(oracle.price()).to.be.revertedWithCustomError(oracle, "PriceOutOfBounds").withArgs(wad, MIN_PRICE, MAX_PRICE);
    }
    await push(await update({ price: 100_000_00000000n, conf: 0n, publishTime: ++t }));
    expect(await oracle.price()).to.equal(MAX_PRICE);
  });

  it("proves a price published between the order and now, and refuses one from before the order", async () => {
    const { oracle, pyth } = await deploy();
    const requestedAt = await now();
    const early = priceData([await update({ publishTime: Number(requestedAt - 1n) })]);
    await expect(oracle.provenPrice(early, requestedAt, false, { value: FEE })).to.be.revertedWithCustomError(
      pyth,
      "PriceFeedNotFoundWithinRange",
    );
    const onTime = priceData([await update({ price: 3100_00000000n, publishTime: Number(requestedAt) })]);
    expect(await oracle.provenPrice.staticCall(onTime, requestedAt, true, { value: FEE })).to.deep.equal([3100n * WAD, requestedAt]);
    // A price from after the filling block does not exist yet.
    const future = priceData([await update({ publishTime: Number(requestedAt + 100n) })]);
    await expect(oracle.provenPrice(future, requestedAt, false, { value: FEE })).to.be.revertedWithCustomError(
      pyth,
      "PriceFeedNotFoundWithinRange",
    );
    const latest = await now();
    await expect(oracle.provenPrice(onTime, latest + 100n, false, { value: FEE }))
      .to.be.revertedWithCustomError(oracle, "NotBeforeInFuture")
      .withArgs(latest + 100n, latest + 1n);
  });

  it("with firstAfter, refuses an update that had a predecessor at or after the order", async () => {
    const { oracle } = await deploy();
    const requestedAt = await now();
    const first = priceData([
      await update({ price: 3100_00000000n, publishTime: Number(requestedAt + 1n), prevPublishTime: Number(requestedAt - 3n) }),
    ]);
    const second = priceData([
      await update({ price: 3200_00000000n, publishTime: Number(requestedAt + 2n), prevPublishTime: Number(requestedAt + 1n) }),
    ]);
    await networkHelpers.time.increase(5);
    expect(await oracle.provenPrice.staticCall(first, requestedAt, true, { value: FEE })).to.deep.equal([3100n * WAD, requestedAt + 1n]);
    // Without firstAfter any price in the window proves (liquidations want the freshest one).
    expect(await oracle.provenPrice.staticCall(second, requestedAt, false, { value: FEE })).to.deep.equal([3200n * WAD, requestedAt + 2n]);
    const pyth = await ethers.getContractAt("MockPyth", await oracle.pyth());
    await expect(oracle.provenPrice(second, requestedAt, true, { value: FEE })).to.be.revertedWithCustomError(
      pyth,
      "PriceFeedNotFoundWithinRange",
    );
  });

  it("MockPyth 4.3.1 alone does not check uniqueness (why tests use StrictUniqueMockPyth)", async () => {
    // If an SDK upgrade fixes this, this test fails: the strict front can then go.
    const { oracle } = await deploy({ strict: false });
    const requestedAt = await now();
    const second = priceData([await update({ publishTime: Number(requestedAt + 2n), prevPublishTime: Number(requestedAt + 1n) })]);
    await networkHelpers.time.increase(5);
    expect((await oracle.provenPrice.staticCall(second, requestedAt, true, { value: FEE }))[1]).to.equal(requestedAt + 2n);
  });

  it("refuses a proven price whose confidence interval is too wide or whose value is out of range", async () => {
    const { oracle } = await deploy();
    const t = await now();
    const wide = priceData([await update({ conf: 31_00000000n, publishTime: Number(t) })]);
    await expect(oracle.provenPrice(wide, t, true, { value: FEE })).to.be.revertedWithCustomError(oracle, "ConfidenceTooWide");
    const low = priceData([await update({ price: 1_00000000n, conf: 0n, publishTime: Number(t) })]);
    await expect(oracle.provenPrice(low, t, true, { value: FEE }))
      .to.be.revertedWithCustomError(oracle, "PriceOutOfBounds")
      .withArgs(WAD, MIN_PRICE, MAX_PRICE);
  });

  it("takes exactly Pyth's fee for a proof and passes it to Pyth", async () => {
    const { oracle, feeCollector } = await deploy();
    const t = await now();
    const two = priceData([await update({ publishTime: Number(t) }), await update({ publishTime: Number(t) })]);
    expect(await oracle.updateFee(two)).to.equal(2n * FEE);
    for (const wrong of [0n, 2n * FEE - 1n, 2n * FEE + 1n]) {
      await expect(oracle.provenPrice(two, t, false, { value: wrong }))
        .to.be.revertedWithCustomError(oracle, "IncorrectUpdateFee")
        .withArgs(wrong, 2n * FEE);
    }
    const before = await ethers.provider.getBalance(feeCollector);
    await (await oracle.provenPrice(two, t, false, { value: 2n * FEE })).wait();
    expect(await ethers.provider.getBalance(feeCollector)).to.equal(before + 2n * FEE);
    expect(await ethers.provider.getBalance(await oracle.getAddress())).to.equal(0n);
  });

  it("updatePrice stores a fresher price, pays Pyth's fee and refunds the rest", async () => {
    const { oracle, feeCollector } = await deploy();
    const [, keeper] = await ethers.getSigners();
    const t = await now();
    const data = await update({ price: 3500_00000000n, publishTime: Number(t) });
    await expect(oracle.connect(keeper).updatePrice([data], { value: FEE - 1n }))
      .to.be.revertedWithCustomError(oracle, "InsufficientUpdateFee")
      .withArgs(FEE - 1n, FEE);
    const [keeperBefore, pythBefore] = [await ethers.provider.getBalance(keeper.address), await ethers.provider.getBalance(feeCollector)];
    const receipt = (await (await oracle.connect(keeper).updatePrice([data], { value: 10n ** 15n })).wait())!;
    const gas = receipt.gasUsed * receipt.gasPrice;
    expect(await ethers.provider.getBalance(keeper.address)).to.equal(keeperBefore - gas - FEE);
    expect(await ethers.provider.getBalance(feeCollector)).to.equal(pythBefore + FEE);
    expect(await oracle.price()).to.equal(3500n * WAD);
    expect(await oracle.latestPublishTime()).to.equal(t);
  });

  it("refuses prices and proofs while the L2 sequencer is down; valuation calls them not fresh", async () => {
    const sequencer = await ethers.deployContract("SettableAggregator", [0, "L2 sequencer", 0n]);
    await networkHelpers.time.increase(601);
    const { oracle, push } = await deploy({ sequencer: await sequencer.getAddress() });
    await push(await update());
    expect(await oracle.price()).to.equal(3000n * WAD);
    await sequencer.setAnswer(1n);
    await expect(oracle.price()).to.be.revertedWithCustomError(oracle, "SequencerDown");
    const t = await now();
    await expect(oracle.provenPrice(priceData([await update()]), t, true, { value: FEE })).to.be.revertedWithCustomError(
      oracle,
      "SequencerDown",
    );
    expect(await oracle.valuationPrice()).to.deep.equal([3000n * WAD, false]);
  });

  it("bounds its configuration", async () => {
    const pyth = await ethers.deployContract("MockPyth", [MAX_AGE, FEE]);
    const factory = await ethers.getContractFactory("PythPriceOracle");
    const args = [await pyth.getAddress(), ETH_USD, MAX_AGE, ONE_PERCENT, ethers.ZeroAddress, 0n, MIN_PRICE, MAX_PRICE] as const;
    const deployWith = (changes: Record<number, unknown>) =>
      factory.deploy(...(args.map((a, i) => (i in changes ? changes[i] : a)) as Parameters<typeof factory.deploy>));
    await expect(deployWith({ 0: ethers.ZeroAddress })).to.be.revertedWithCustomError(factory, "InvalidPriceFeed");
    await expect(deployWith({ 1: ethers.ZeroHash })).to.be.revertedWithCustomError(factory, "InvalidPriceFeed");
    for (const age of [0n, 2n * 86400n + 1n]) {
      await expect(deployWith({ 2: age }))
        .to.be.revertedWithCustomError(factory, "InvalidMaxAge")
        .withArgs(age);
    }
    for (const ratio of [0n, WAD + 1n]) {
      await expect(deployWith({ 3: ratio }))
        .to.be.revertedWithCustomError(factory, "InvalidConfidenceRatio")
        .withArgs(ratio);
    }
    await expect(deployWith({ 5: 86401n }))
      .to.be.revertedWithCustomError(factory, "InvalidGracePeriod")
      .withArgs(86401n);
    for (const [min, max] of [
      [0n, 10n],
      [10n, 10n],
    ]) {
      await expect(deployWith({ 6: min, 7: max }))
        .to.be.revertedWithCustomError(factory, "InvalidPriceBounds")
        .withArgs(min, max);
    }
  });
});

describe("deployProtocol with a Pyth market", () => {
  it("lists a Pyth-priced market next to a Chainlink one and records each source in the address book", async () => {
    const BTC_USD = ("0x" + "b7".repeat(32)) as Hex;
    const existingPyth = await (await ethers.deployContract("MockPyth", [MAX_AGE, FEE])).getAddress();
    const { engine, markets, addressBook } = await deployProtocol(ethers, {
      markets: [
        { name: "ETH", initialAnswer: 3000_00000000n },
        { name: "BTC", pyth: { priceId: BTC_USD, initialPrice: { price: 60_000_00000n, conf: 10_00000n, expo: -5 } } },
        { name: "SOL", pyth: { priceId: ETH_USD, address: existingPyth, maxAgeSeconds: 30 } },
      ],
    });
    const [eth, btc, sol] = markets;
    expect([await sol.oracle.pyth(), await sol.oracle.maxAge()]).to.deep.equal([existingPyth, 30n]);
    expect((await engine.marketConfig(1)).oracle).to.equal(await btc.oracle.getAddress());
    expect(await btc.oracle.price()).to.equal(60_000n * WAD);
    expect(await eth.oracle.price()).to.equal(3000n * WAD);
    expect(addressBook.markets.map((m) => [m.name, m.source, m.pythPriceId, m.feed])).to.deep.equal([
      ["ETH", "chainlink", undefined, await eth.feed.getAddress()],
      ["BTC", "pyth", BTC_USD, await btc.pyth.getAddress()],
      ["SOL", "pyth", ETH_USD, existingPyth],
    ]);
  });
});
