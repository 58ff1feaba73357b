import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { HermesClient } from "@pythnetwork/hermes-client";
import { expect } from "chai";
import { network } from "hardhat";
import type { Hex } from "viem";
import { ChainlinkOrderPrices } from "../../keeper/orders/chainlinkPrices.ts";
import { PythPriceError, PythPriceFetcher } from "../../keeper/prices/pythPrices.ts";
import { inProcessClient } from "../../scripts/lib/embeddedKeeper.ts";
import { type HermesStandIn, startHermesStandIn } from "../../scripts/lib/hermesStandIn.ts";

const { ethers, networkHelpers, provider } = await network.create();
const client = inProcessClient(provider);
const WAD = 10n ** 18n;
const ETH_USD = ("0x" + "ab".repeat(32)) as Hex;
const FEE = 7n;
const latest = async () => networkHelpers.time.latest();

async function pythOracle() {
  const pyth = await ethers.deployContract("StrictUniqueMockPyth", [60, FEE]);
  return ethers.deployContract("PythPriceOracle", [
    await pyth.getAddress(),
    ETH_USD,
    60,
    10n ** 16n,
    ethers.ZeroAddress,
    0,
    WAD,
    10n ** 6n * WAD,
  ]);
}

describe("keeper price proofs", () => {
  let hermes: HermesStandIn;
  beforeEach(async () => {
    hermes = await startHermesStandIn();
  });
  afterEach(async () => {
    await hermes.close();
  });

  it("fetches the first Pyth update at or after an order, which the adapter accepts as first", async () => {
    const oracle = await pythOracle();
    const t0 = await latest();
    hermes.publish(ETH_USD, 3000_00000000n, 1_00000000n, -8, t0 + 1);
    hermes.publish(ETH_USD, 3100_00000000n, 1_00000000n, -8, t0 + 3);
    hermes.publish(ETH_USD, 3200_00000000n, 1_00000000n, -8, t0 + 6);
    await networkHelpers.time.increase(10);
    const fetcher = new PythPriceFetcher({ endpoint: hermes.url });

    const proof = await fetcher.proofAfter(ETH_USD, t0 + 2);
    expect([proof.publishTime, proof.priceWad]).to.deep.equal([t0 + 3, 3100n * WAD]);
    expect(await oracle.updateFee(proof.priceData)).to.equal(FEE);
    expect(await oracle.provenPrice.staticCall(proof.priceData, t0 + 2, true, { value: FEE })).to.deep.equal([3100n * WAD, BigInt(t0 + 3)]);
    expect((await fetcher.proofAfter(ETH_USD, t0 + 3)).publishTime).to.equal(t0 + 3); // "at or after"

    const freshest = await fetcher.latestProof(ETH_USD);
    expect([freshest.publishTime, freshest.priceWad]).to.deep.equal([t0 + 6, 3200n * WAD]);
    expect(await oracle.provenPrice.staticCall(freshest.priceData, t0 + 2, false, { value: FEE })).to.deep.equal([
      3200n * WAD,
      BigInt(t0 + 6),
    ]);
    // The latest is not the first after t0 + 2, and the strict MockPyth knows it from prevPublishTime.
    const pyth = await ethers.getContractAt("MockPyth", await oracle.pyth());
    await expect(oracle.provenPrice(freshest.priceData, t0 + 2, true, { value: FEE })).to.be.revertedWithCustomError(
      pyth,
      "PriceFeedNotFoundWithinRange",
    );
  });

  it("answers HermesClient in Hermes' shapes: ids with or without 0x, hex or base64, parsed metadata", async () => {
    hermes.publish(ETH_USD, 3000_00000000n, 2_00000000n, -8, 1000);
    hermes.publish(ETH_USD, 3001_00000000n, 2_00000000n, -8, 1005);
    const hermesClient = new HermesClient(hermes.url);
    const latestUpdate = await hermesClient.getLatestPriceUpdates([ETH_USD.slice(2)], { encoding: "base64", parsed: true });
    expect(latestUpdate.binary.encoding).to.equal("base64");
    expect(latestUpdate.parsed).to.have.length(1);
    const [parsed] = latestUpdate.parsed!;
    expect(parsed.id).to.equal(ETH_USD.slice(2));
    expect(parsed.price).to.deep.include({ price: "300100000000", conf: "200000000", expo: -8, publish_time: 1005 });
    expect(parsed.metadata.prev_publish_time).to.equal(1000);
    const atTime = await hermesClient.getPriceUpdatesAtTimestamp(1001, [ETH_USD], { parsed: false });
    expect(atTime.parsed).to.equal(undefined);
    expect(atTime.binary.data[0]).to.match(/^[0-9a-f]+$/);
    expect(
      await hermesClient.getPriceUpdatesAtTimestamp(1000, ["0x" + "cd".repeat(32), ETH_USD], { ignoreInvalidPriceIds: true }),
    ).to.have.nested.property("parsed[0].price.publish_time", 1000);
    expect(() => hermes.publish(ETH_USD, 1n, 0n, 0, 1005)).to.throw(/not after the previous 1005/);
  });

  it("reports what Hermes refused or could not find", async () => {
    hermes.publish(ETH_USD, 3000_00000000n, 1n, -8, 1000);
    const fetcher = new PythPriceFetcher({ endpoint: hermes.url, retries: 0 });
    await expectRejection(fetcher.proofAfter(ETH_USD, 1001), /status: 404.*No price update found/);
    await expectRejection(fetcher.latestProof(("0x" + "cd".repeat(32)) as Hex), /status: 404.*Price ids not found/);
  });

  it("says which endpoint is unreachable, and when it is too slow", async () => {
    const closedUrl = hermes.url;
    await hermes.close();
    hermes = await startHermesStandIn(); // afterEach closes this one
    await expectRejection(
      new PythPriceFetcher({ endpoint: closedUrl, retries: 0 }).latestProof(ETH_USD),
      new RegExp(`Hermes at ${closedUrl} failed`),
    );

    const silent = createServer(() => {}); // accepts, never answers
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`;
    try {
      const started = Date.now();
      await expectRejection(
        new PythPriceFetcher({ endpoint: silentUrl, timeoutMs: 200, retries: 0 }).latestProof(ETH_USD),
        /did not answer within 200 ms/,
      );
      expect(Date.now() - started).to.be.lessThan(2000);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it("walks back to the first Chainlink round at or after an order, as the adapter checks it", async () => {
    const feed = await ethers.deployContract("SettableAggregator", [8, "ETH / USD", 3000_00000000n]);
    const oracle = await ethers.deployContract("ChainlinkPriceOracle", [
      await feed.getAddress(),
      3600,
      ethers.ZeroAddress,
      0,
      1n,
      10n ** 17n,
    ]);
    const t1 = Number((await feed.getRoundData(1n))[3]);
    for (const [i, answer] of [3010_00000000n, 3020_00000000n, 3030_00000000n].entries()) {
      await feed.setRoundData(answer, t1 + 10 * (i + 1), t1 + 10 * (i + 1)); // rounds 2, 3, 4
    }
    const address = (await feed.getAddress()) as Hex;

    const rounds = new ChainlinkOrderPrices(client, address, 8);
    await rounds.refresh();

    const proof = (await rounds.firstAtOrAfter(t1 + 15))!;
    expect([proof.publishTime, proof.priceWad]).to.deep.equal([t1 + 20, 3020n * WAD]);
    expect(ethers.AbiCoder.defaultAbiCoder().decode(["uint80"], proof.priceData)[0]).to.equal(3n);
    expect(await oracle.provenPrice.staticCall(proof.priceData, t1 + 15, true)).to.deep.equal([3020n * WAD, BigInt(t1 + 20)]);
    expect((await rounds.firstAtOrAfter(t1 + 20))!.publishTime).to.equal(t1 + 20);
    // Every round is after t1: the first of the phase is the answer.
    expect((await rounds.firstAtOrAfter(t1))!.priceWad).to.equal(3000n * WAD);
    // No round at or after it yet: nothing to fill with.
    expect(await rounds.firstAtOrAfter(t1 + 31)).to.equal(undefined);
  });
});

async function expectRejection(promise: Promise<unknown>, message: RegExp) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).to.be.instanceOf(PythPriceError);
  expect((error as Error).message).to.match(message);
}
