// The built SDK (sdk/dist, plain ESM as a frontend installs it) against an in-process chain: the
// trader deposits, previews, orders and reads through the SDK only; the test harness opens the other
// traders' positions in one step and plays the keeper. The preview is checked against the client
// reference math and then against the fill itself.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { expect } from "chai";
import { network } from "hardhat";
import {
  createPublicClient,
  createWalletClient,
  custom,
  decodeFunctionData,
  encodeFunctionData,
  type Address,
  type EIP1193Provider,
  type Hex,
} from "viem";
import { estimateGas, readContract } from "viem/actions";
import { bucketOf } from "../../client/adl.ts";
import * as math from "../../client/math.ts";
import { predictTrade } from "../../client/predict.ts";
import { chainlinkProof } from "../../scripts/lib/orders.ts";
import { depositThroughRequest } from "../../scripts/lib/lpRequests.ts";
import {
  OrderKind,
  acceptablePriceFor,
  addressesFor,
  createReader,
  createWriter,
  decodeProtocolError,
  perpEngineAbi,
  perpLensAbi,
  send,
  type TxRequest,
} from "../../sdk/dist/index.js";
import { deployTestProtocol } from "../helpers/testProtocol.ts";

const { ethers, networkHelpers, provider } = await network.create();

const WAD = 10n ** 18n;
const usd = (amount: number) => BigInt(amount) * 10n ** 6n;
const eth = (amount: number) => BigInt(amount) * WAD;
/** Bob and carol open at 3,000; the price is 3,100 when alice trades, so bob's profit ranks him first. */
const PRICE = 3100n * WAD;
const ETH = 0;
/** 1,000 ETH of skew costs the full price: a 2 ETH trade from a flat market pays 6 USD of impact. */
const IMPACT_SKEW_SCALE = eth(1_000);
/** The engine requires impactSkewScale at least the open-interest caps (a premium of at most 100%). */
const OPEN_INTEREST_CAPS = { maxLongSize: IMPACT_SKEW_SCALE, maxShortSize: IMPACT_SKEW_SCALE };

/** The message a promise rejects with; fails the test when it resolves. */
const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.fail("expected a rejection"),
    (error: Error) => error.message,
  );

async function sdkFixture() {
  const [owner, lp, alice, bob, carol, keeper] = await ethers.getSigners();
  // The collateral supports EIP-2612 permits, as USDC does.
  const collateral = await ethers.deployContract("PermitTestToken", ["Test USD", "tUSD", 6]);
  const deployed = await deployTestProtocol(ethers, {
    collateralToken: await collateral.getAddress(),
    markets: [
      {
        name: "ETH",
        initialAnswer: 3000_00000000n,
        configure: (c) => ({ ...c, ...OPEN_INTEREST_CAPS, impactSkewScale: IMPACT_SKEW_SCALE }),
      },
    ],
  });
  const { token, engine, vault } = deployed;
  for (const who of [owner, lp, alice, bob, carol]) await token.mint(who.address, usd(1_000_000));
  await token.connect(lp).approve(await vault.getAddress(), ethers.MaxUint256);
  await depositThroughRequest(ethers.provider, vault.connect(lp), [deployed.markets[ETH].feed], usd(500_000), lp.address);
  await token.connect(owner).approve(await engine.getAddress(), ethers.MaxUint256);
  await engine.connect(owner).fundInsurance(usd(10_000));
  // A balanced book (5 long, 5 short): the funding rate is 0, so previews do not depend on the second.
  for (const [trader, size] of [
    [bob, eth(5)],
    [carol, -eth(5)],
  ] as const) {
    await token.connect(trader).approve(await engine.getAddress(), ethers.MaxUint256);
    await engine.connect(trader).deposit(usd(10_000));
    await engine.connect(trader).openPosition(ETH, size, usd(3_000), size > 0n ? ethers.MaxUint256 : 0n, 2n ** 40n, 0);
  }
  await deployed.markets[ETH].feed.setAnswer(3100_00000000n);

  const transport = custom(provider as unknown as EIP1193Provider);
  const publicClient = createPublicClient({ transport, cacheTime: 0 });
  const wallet = createWalletClient({ account: alice.address as Address, transport });
  const addresses = addressesFor(deployed.addressBook, 31337);
  const reader = createReader(publicClient, addresses);
  const writer = createWriter(publicClient, addresses, reader);
  const trader = alice.address as Address;
  /** Sends the built requests from alice in order, each mined before the next is estimated. */
  const sendAll = async (txs: TxRequest[]) => {
    for (const tx of txs) await publicClient.waitForTransactionReceipt({ hash: await send(wallet, tx) });
  };
  /** Publishes a Chainlink round at `answer` (8 decimals) and returns its proof. */
  const publish = async (answer: bigint) => {
    const feed = deployed.markets[ETH].feed;
    await feed.setAnswer(answer);
    const [roundId] = await feed.latestRoundData();
    return chainlinkProof(roundId) as Hex;
  };
  return { ...deployed, collateral, keeper, bob, carol, publicClient, wallet, addresses, reader, writer, trader, sendAll, publish };
}

/** The fixture with alice's 10,000 deposited through the SDK. */
async function fundedFixture() {
  const f = await sdkFixture();
  await f.sendAll(await f.writer.deposit(f.trader, usd(10_000)));
  return f;
}

/** The fixture with alice long 2 ETH on 1,000 margin, ordered through the SDK and filled by the keeper. */
async function longFixture() {
  const f = await fundedFixture();
  const preview = await f.reader.previewTrade(f.trader, ETH, eth(2), usd(1_000));
  const built = await f.writer.marketOrder({ account: f.trader, marketId: ETH, sizeDelta: eth(2), marginIn: usd(1_000) });
  await f.sendAll([built.tx]);
  const [pending] = await f.reader.pendingOrders(f.trader);
  await f.engine.connect(f.keeper).executeOrder(pending.orderId, await f.publish(3100_00000000n), preview.hint);
  return { ...f, preview, built, orderId: pending.orderId };
}

describe("sdk (built package against a local chain)", function () {
  this.timeout(120_000);

  it("deposits through an approval the allowance lacked, and reads the balances back", async () => {
    const { reader, writer, trader, sendAll } = await networkHelpers.loadFixture(sdkFixture);
    const txs = await writer.deposit(trader, usd(2_500));
    expect(txs.map((tx) => tx.functionName)).to.deep.equal(["approve", "deposit"]);
    await sendAll(txs);
    const balances = await reader.balances(trader);
    expect(balances.free).to.equal(usd(2_500));
    expect(balances.wallet).to.equal(usd(1_000_000 - 2_500));
    expect(balances.allowance).to.equal(0n);
    expect(await rejection(writer.deposit(trader, 0n))).to.equal("deposit amount must be positive, got 0");
  });

  it("deposits in one transaction with an EIP-2612 permit, also when someone submitted the permit first", async () => {
    const { reader, writer, wallet, trader, sendAll, collateral, engine, bob } = await networkHelpers.loadFixture(sdkFixture);
    const first = await writer.depositWithPermit(wallet, usd(1_000));
    expect(first.map((tx) => tx.functionName)).to.deep.equal(["depositWithPermit"]);
    await sendAll(first);
    expect(await reader.balances(trader)).to.include({ free: usd(1_000), allowance: 0n });

    // A permit seen in the mempool and used first by someone else leaves the deposit working.
    const [second] = await writer.depositWithPermit(wallet, usd(500));
    const { args } = decodeFunctionData({ abi: perpEngineAbi, data: second.data });
    const [amount, deadline, v, r, sig] = args as readonly [bigint, bigint, number, Hex, Hex];
    await collateral.connect(bob).permit(trader, await engine.getAddress(), amount, deadline, v, r, sig);
    await sendAll([second]);
    expect((await reader.balances(trader)).free).to.equal(usd(1_500));
  });

  it("previews a fill with the reference math: fee, impact, margin, entry, ADL bucket and hint", async () => {
    const { reader, engine, lens, trader, addresses } = await networkHelpers.loadFixture(fundedFixture);
    const preview = await reader.previewTrade(trader, ETH, eth(2), usd(1_000));
    const config = await engine.marketConfig(ETH);
    const state = await engine.marketState(ETH);
    const divisor = await engine.valueDivisor();
    const skew = state.longSize - state.shortSize;
    expect(skew).to.equal(0n);

    const impact = math.priceImpact(skew, eth(2), PRICE, IMPACT_SKEW_SCALE, divisor, state.impactPool);
    expect(impact).to.equal(6_200_000n); // 3,100 * 2 * 2 / (2 * 1,000): 6.2 USD
    expect(preview.impact).to.equal(impact);
    expect(preview.fee).to.equal(math.mulWadUp(math.notionalUp(eth(2), PRICE, divisor), config.tradingFeeRate));
    expect(preview.executionPrice).to.equal(PRICE + math.divCeil(impact * divisor, eth(2)));
    const predicted = predictTrade(
      { size: 0n, margin: 0n, entryPrice: 0n, fundingSnapshot: 0n },
      { fundingIndex: state.fundingIndex, lastFundingTime: state.lastFundingTime, longSize: state.longSize, shortSize: state.shortSize },
      {
        tradingFeeRate: config.tradingFeeRate,
        maxFundingRatePerSecond: config.maxFundingRatePerSecond,
        skewScale: config.skewScale,
        valueDivisor: divisor,
      },
      { sizeDelta: eth(2), marginIn: usd(1_000), marginOut: 0n },
      PRICE,
      BigInt(await networkHelpers.time.latest()),
    );
    // predictTrade leaves impact out (it predicts the queue key, which impact does not move).
    expect(preview.marginAfter).to.equal(predicted.margin - impact);
    expect(preview.entryPriceAfter).to.equal(predicted.entryPrice);
    expect(preview.sizeAfter).to.equal(eth(2));
    expect(preview.k).to.equal(predicted.k);
    expect(preview.bucket).to.equal(bucketOf(eth(2), predicted.margin - impact, divisor));
    expect(preview.positionId).to.equal(await engine.positionIdFor(trader, ETH));
    expect(preview.hint).to.equal(Number(await lens.adlInsertHint(ETH, true, preview.bucket, preview.k, preview.positionId)));
    expect(preview.sideCount).to.equal(2n); // bob and alice
    // Bob is 100 in profit, alice would enter at the price: bob is first, alice second of two.
    expect(preview.rank).to.equal(2n);
    expect(preview.quantile).to.equal(3);
    expect(addresses.lens).to.equal(await lens.getAddress());
  });

  it("places a market order (pending, escrowed, bounded by the slippage default) that fills as previewed", async () => {
    const { reader, trader, preview, built, orderId } = await networkHelpers.loadFixture(longFixture);
    expect(built.request.kind).to.equal(OrderKind.Market);
    expect(built.request.acceptablePrice).to.equal(acceptablePriceFor(preview.executionPrice, eth(2)));
    expect(built.request.acceptablePrice).to.equal((preview.executionPrice * 10_100n + 9_999n) / 10_000n);
    const settings = await reader.orderSettings();
    expect(built.request.executionFee).to.equal(settings.minExecutionFee);
    expect(orderId).to.equal(1n);
    expect(await reader.pendingOrders(trader)).to.deep.equal([]);

    const open = await reader.position(trader, ETH);
    expect(open).to.not.equal(null);
    expect(open!.position.size).to.equal(eth(2));
    expect(BigInt(open!.position.margin)).to.equal(preview.marginAfter);
    expect(open!.position.entryPrice).to.equal(preview.entryPriceAfter);
    expect(open!.health.liquidationPrice).to.equal(preview.liquidationPrice);
    expect(open!.health.liquidatable).to.equal(false);
    expect(open!.adl.bucket).to.equal(preview.bucket);
    expect(open!.adl.rank).to.equal(preview.rank);
    expect(open!.adl.quantile).to.equal(preview.quantile);
    expect((await reader.balances(trader)).free).to.equal(usd(10_000 - 1_000) - settings.minExecutionFee);
  });

  it("previews a full close (rebate from the impact pool, realised profit) as the fill then pays it out", async () => {
    const { reader, writer, engine, lens, trader, sendAll, publish, keeper } = await networkHelpers.loadFixture(longFixture);
    await publish(3200_00000000n);
    const price = 3200n * WAD;
    const state = await engine.marketState(ETH);
    const divisor = await engine.valueDivisor();
    const preview = await reader.previewTrade(trader, ETH, -eth(2), 0n);
    // Alice's close brings the skew from +2 back to 0: a rebate, at most what the pool holds.
    const rebate = math.priceImpact(state.longSize - state.shortSize, -eth(2), price, IMPACT_SKEW_SCALE, divisor, state.impactPool);
    expect(rebate < 0n).to.equal(true);
    expect(preview.impact).to.equal(rebate);
    // A rebated sell fills above the oracle price.
    expect(preview.executionPrice).to.equal(price + (-rebate * divisor) / eth(2));
    expect(preview).to.include({ sizeAfter: 0n, liquidationPrice: 0n, rank: 0n, hint: 0, bucket: 0 });
    const config = await engine.marketConfig(ETH);
    expect(preview.fee).to.equal(math.mulWadUp(math.notionalUp(eth(2), price, divisor), config.tradingFeeRate));

    // The book is 2 ETH long now, so funding accrues every second: read the preview at a mined block,
    // whose timestamp the reference then accrues funding to.
    const block = await ethers.provider.getBlock("latest");
    const atBlock = await lens.previewTrade(trader, ETH, -eth(2), 0n, { blockTag: block!.number });
    const position = await engine.position(preview.positionId);
    const predicted = predictTrade(
      position,
      state,
      {
        tradingFeeRate: config.tradingFeeRate,
        maxFundingRatePerSecond: config.maxFundingRatePerSecond,
        skewScale: config.skewScale,
        valueDivisor: divisor,
      },
      { sizeDelta: -eth(2), marginIn: 0n, marginOut: 0n },
      price,
      BigInt(block!.timestamp),
    );
    expect(predicted.size).to.equal(0n);
    expect(atBlock.marginAfter).to.equal(predicted.margin - rebate);

    const close = await writer.closePosition({ account: trader, marketId: ETH });
    await sendAll([close.tx]);
    const freeBefore = (await reader.balances(trader)).free;
    const [pending] = await reader.pendingOrders(trader);
    await engine.connect(keeper).executeOrder(pending.orderId, await publish(3200_00000000n), 0);
    expect(await reader.position(trader, ETH)).to.equal(null);
    const payout = (await reader.balances(trader)).free - freeBefore;
    // The fill also pays the funding of the few seconds since the preview: about 4 atoms a second here.
    expect(payout - preview.marginAfter).to.be.within(-20n, 0n);
  });

  it("reads a pending order, the market, the ADL queue tops and every position of an account", async () => {
    const { reader, writer, engine, lens, trader, sendAll, bob } = await networkHelpers.loadFixture(longFixture);
    const limit = await writer.limitOrder({ marketId: ETH, sizeDelta: eth(1), limitPrice: 2_900n * WAD, marginIn: usd(500) });
    await sendAll([limit.tx]);
    const pending = await reader.pendingOrders(trader);
    expect(pending.map((p) => p.orderId)).to.deep.equal([2n]);
    expect(pending[0].order).to.include({
      account: trader,
      kind: OrderKind.Limit,
      sizeDelta: eth(1),
      marginIn: usd(500),
      acceptablePrice: 2_900n * WAD,
    });

    const market = await reader.market(ETH);
    expect(market.price).to.equal(PRICE);
    expect(market.priceFresh).to.equal(true);
    expect(market.state.longSize).to.equal(eth(7));
    expect(market.state.shortSize).to.equal(eth(5));
    const config = await engine.marketConfig(ETH);
    expect(market.fundingRatePerSecond).to.equal(math.fundingRate(config.maxFundingRatePerSecond, config.skewScale, eth(7), eth(5)));
    // The 10,000 funded plus the insurance share of the trading fees paid since.
    expect(market.adl.insuranceFund).to.equal(await engine.insuranceFund());
    expect(market.adl.insuranceFund > usd(10_000)).to.equal(true);
    expect(market.insuranceCoverage).to.equal((await lens.insuranceCoverage())[2]);

    const longs = await reader.adlQueueTop(ETH, true);
    const aliceId = await engine.positionIdOf(trader, ETH);
    const bobId = await engine.positionIdOf(bob.address, ETH);
    expect(longs.map((l) => l.positionId)).to.deep.equal([bobId, aliceId]);
    expect((await reader.adlQueueTop(ETH, false, 1)).length).to.equal(1);
    expect((await reader.positions(trader)).map((p) => p.positionId)).to.deep.equal([aliceId]);
    expect(await reader.positions(bob.address as Address)).to.have.length(1);
    expect(await reader.position(trader, 1)).to.equal(null);
  });

  it("reads a position by id, each ADL queue entry with its place, and the liquidations and ADL fills of a block range", async () => {
    const { reader, engine, lens, trader, bob, carol, keeper, publish, publicClient } = await networkHelpers.loadFixture(longFixture);
    const [aliceId, bobId, carolId] = await Promise.all([trader, bob.address, carol.address].map((a) => engine.positionIdOf(a, ETH)));
    expect(await reader.positionById(aliceId)).to.deep.equal(await reader.position(trader, ETH));
    expect(await reader.positionById(9_999n)).to.equal(null);

    // The queue display: best-ranked first, each entry the lens's health and ADL place.
    const longs = await reader.adlQueue(ETH, true);
    expect(longs.map((p) => [p.positionId, p.adl.rank, p.adl.sideCount])).to.deep.equal([
      [bobId, 1n, 2n],
      [aliceId, 2n, 2n],
    ]);
    for (const entry of longs) {
      const [adl, health] = await Promise.all([lens.positionAdl(entry.positionId), lens.positionHealth(entry.positionId)]);
      expect([entry.adl.score, entry.adl.quantile]).to.deep.equal([adl.score, Number(adl.quantile)]);
      expect([entry.health.equity, entry.health.liquidationPrice]).to.deep.equal([health.equity, health.liquidationPrice]);
    }
    expect((await reader.adlQueueTop(ETH, true)).map((t) => t.score)).to.deep.equal(longs.map((p) => p.adl.score));

    // At $500 both longs are bankrupt beyond the insurance fund: liquidations, then carol deleveraged.
    const fromBlock = BigInt((await ethers.provider.getBlockNumber()) + 1);
    await publish(500_00000000n);
    for (const id of [bobId, aliceId]) await engine.connect(keeper).liquidate(id, 0);
    if ((await engine.marketState(ETH)).shortAdlDebt > 0n) await engine.connect(keeper).deleverage(ETH, false, 10, 0, 0);
    const toBlock = await publicClient.getBlockNumber();
    const events = await reader.riskEvents(fromBlock, toBlock);
    const liquidated = await engine.queryFilter(engine.filters.Liquidated(), Number(fromBlock));
    const fills = await engine.queryFilter(engine.filters.AdlFill(), Number(fromBlock));
    expect(fills.length).to.be.greaterThan(0);
    const chainOrder = [...liquidated, ...fills]
      .sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index)
      .map((e) => [e.fragment.name, e.args.positionId]);
    expect(events.map((e) => [e.eventName, e.args.positionId])).to.deep.equal(chainOrder);
    const fill = events.find((e) => e.eventName === "AdlFill")!;
    expect(fill.args).to.deep.include({ positionId: carolId, isLong: false, marketId: ETH, haircut: fills[0].args.haircut });
    expect(events.filter((e) => e.eventName === "Liquidated").map((e) => e.args.deficit)).to.deep.equal(
      liquidated.map((l) => l.args.deficit),
    );
    expect(await reader.riskEvents(fromBlock - 1n, fromBlock - 1n)).to.deep.equal([]);
    // Closed in full: no longer a position, and out of the queue.
    expect(await reader.positionById(bobId)).to.equal(null);
    expect(await reader.adlQueue(ETH, true)).to.deep.equal([]);
  });

  it("decodes reverts through the combined error ABI: an oracle's, the engine's, the lens's", async () => {
    const { reader, writer, wallet, trader, keeper, publicClient, addresses, markets, sendAll } =
      await networkHelpers.loadFixture(longFixture);
    const [earlyRound] = await markets[ETH].feed.latestRoundData();
    const order = await writer.marketOrder({ account: trader, marketId: ETH, sizeDelta: eth(1), marginIn: usd(300) });
    await sendAll([order.tx]);
    const [pending] = await reader.pendingOrders(trader);
    // A round published before the request: the Chainlink adapter reverts, through the engine.
    const execute = encodeFunctionData({
      abi: perpEngineAbi,
      functionName: "executeOrder",
      args: [pending.orderId, chainlinkProof(earlyRound) as Hex, 0],
    });
    const early = await estimateGas(publicClient, { account: keeper.address as Address, to: addresses.engine, data: execute }).catch(
      (e: unknown) => e,
    );
    expect(decodeProtocolError(early)).to.include({ errorName: "RoundTooEarly" });
    expect(decodeProtocolError(early)!.args[0]).to.equal(earlyRound);

    const free = (await reader.balances(trader)).free;
    const overdraw = await send(wallet, writer.withdraw(free + 1n, trader)).catch((e: unknown) => e);
    const decoded = decodeProtocolError(overdraw);
    expect(decoded?.errorName).to.equal("InsufficientBalance");
    expect(decoded?.args).to.deep.equal([trader, free, free + 1n]);

    const flip = await reader.previewTrade(trader, ETH, -eth(3), 0n).catch((e: unknown) => e);
    expect(decodeProtocolError(flip)).to.deep.include({ errorName: "SizeFlip", args: [eth(2), -eth(3)] });
    expect(decodeProtocolError(new Error("not a revert"))).to.equal(undefined);
  });

  it("builds every order type with its defaults, adds margin with the ADL hint, and refuses bad input", async () => {
    const { reader, writer, trader, sendAll, engine, lens, publicClient, addresses } = await networkHelpers.loadFixture(longFixture);
    const now = (await publicClient.getBlock()).timestamp;
    const stop = await writer.stopLoss({ marketId: ETH, sizeDelta: -eth(2), triggerPrice: 2_700n * WAD });
    expect(stop.request).to.include({
      kind: OrderKind.StopLoss,
      reduceOnly: true,
      triggerPrice: 2_700n * WAD,
      acceptablePrice: 2_673n * WAD,
    });
    expect(stop.request.expiresAt).to.equal(now + 3600n);
    const profit = await writer.takeProfit({
      marketId: ETH,
      sizeDelta: -eth(2),
      triggerPrice: 3_300n * WAD,
      slippageBps: 0,
      lifetimeSeconds: 60,
    });
    expect(profit.request).to.include({ kind: OrderKind.TakeProfit, acceptablePrice: 3_300n * WAD, expiresAt: now + 60n });
    const close = await writer.closePosition({ account: trader, marketId: ETH });
    expect(close.request).to.include({ kind: OrderKind.Market, reduceOnly: true, sizeDelta: -eth(2) });
    expect(close.request.acceptablePrice).to.equal(acceptablePriceFor(close.preview!.executionPrice, -eth(2)));
    const out = await writer.withdrawMargin({ marketId: ETH, amount: usd(100), executionFee: usd(1) });
    expect(out.request).to.include({ sizeDelta: 0n, marginOut: usd(100), executionFee: usd(1) });
    expect(out.escrow).to.equal(usd(1));
    await sendAll([stop.tx, profit.tx, out.tx]);
    expect((await reader.pendingOrders(trader)).map((p) => p.order.kind)).to.deep.equal([
      OrderKind.StopLoss,
      OrderKind.TakeProfit,
      OrderKind.Market,
    ]);

    const id = await engine.positionIdOf(trader, ETH);
    const marginBefore = (await engine.position(id)).margin;
    const add = await writer.addMargin({ account: trader, marketId: ETH, amount: usd(4_000) });
    const after = await reader.previewTrade(trader, ETH, 0n, usd(4_000));
    expect(add.hint).to.equal(Number(await lens.adlInsertHint(ETH, true, after.bucket, after.k, id)));
    await sendAll([add]);
    expect((await engine.position(id)).margin).to.equal(marginBefore + usd(4_000));

    expect(await rejection(writer.marketOrder({ account: trader, marketId: ETH, sizeDelta: 0n }))).to.include("non-zero sizeDelta");
    const lowFee = writer.marketOrder({ account: trader, marketId: ETH, sizeDelta: eth(1), executionFee: 1n });
    expect(await rejection(lowFee)).to.include("below the engine's minimum");
    const noBound = writer.marketOrder({ account: trader, marketId: ETH, sizeDelta: eth(1), slippageBps: 10_000 });
    expect(await rejection(noBound)).to.equal("slippageBps must be an integer in [0, 10000), got 10000");
    expect(() => addressesFor({ ...addresses, chainId: 1 }, 31337)).to.throw("no address book for chain 31337 (have: 1)");
    expect(() => addressesFor({ ...addresses, lens: "0x1234" }, 31337)).to.throw("lens is not an address: 0x1234");
  });

  it("requests an LP deposit and a redemption, which settle at a price published after them", async () => {
    const { reader, writer, trader, sendAll, vault, publish } = await networkHelpers.loadFixture(sdkFixture);
    const settleLater = async (id: bigint) => {
      await networkHelpers.time.increase(Number(await vault.MIN_REQUEST_DELAY()));
      await publish(3100_00000000n);
      await sendAll([writer.settleVaultRequest(id)]);
    };
    const depositId = await vault.nextRequestId();
    await sendAll(await writer.requestVaultDeposit(trader, usd(1_000)));
    expect((await reader.balances(trader)).vaultShares).to.equal(0n); // nothing before settlement
    await settleLater(depositId);
    const shares = (await reader.balances(trader)).vaultShares;
    expect(shares > 0n).to.equal(true);
    expect((await reader.balances(trader)).vaultAssets).to.be.within(usd(1_000) - 2n, usd(1_000));
    const redeemId = await vault.nextRequestId();
    await sendAll([writer.requestVaultRedeem(shares / 2n, trader)]);
    await settleLater(redeemId);
    expect((await reader.balances(trader)).wallet).to.be.within(usd(999_500) - 10n, usd(999_500));
  });

  it("reads with the generated ABIs' types: the lens view matches a direct typed call", async () => {
    const { publicClient, addresses, reader, trader } = await networkHelpers.loadFixture(longFixture);
    const open = await reader.position(trader, ETH);
    const direct = await readContract(publicClient, {
      address: addresses.lens,
      abi: perpLensAbi,
      functionName: "positionHealth",
      args: [open!.positionId],
    });
    expect(direct).to.deep.equal(open!.health);
  });

  it("type-checks: the SDK's builders and ABIs reject wrong arguments at compile time", async () => {
    const { stdout } = await promisify(execFile)("node_modules/.bin/tsc", ["-p", "sdk/test-types/tsconfig.json"]).catch((e) => {
      throw new Error(`sdk type test failed:\n${e.stdout}${e.stderr}`);
    });
    expect(stdout).to.equal("");
  });
});
