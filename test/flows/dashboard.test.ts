// The dashboard in headless Chromium against the demo's chain: it renders the demo's positions with
// their ADL lights, follows the crash block by block (price, health, liquidations, the ADL fill, the
// lights that moved), trades through an injected EIP-1193 wallet with the preview above and a
// decoded revert, and says clearly when the node is unreachable. Figures it measures (first full
// render, RPC requests per block refresh) are printed; the screenshot is kept in test-artifacts/.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { network } from "hardhat";
import type { Page, Request } from "playwright-core";
import { type AddressBook, writeAddressBook } from "../../scripts/lib/addressBook.ts";
import { embeddedKeeper } from "../../scripts/lib/embeddedKeeper.ts";
import { devPrivateKey, freePort, startProcess, stopProcess } from "../../scripts/lib/localChain.ts";
import { startDashboard } from "../../dashboard/server.ts";
import { CHROMIUM, injectedWallet, launchBrowser } from "../helpers/dashboardBrowser.ts";
import { FEED_ROWS } from "../../dashboard/src/eventsFeed.ts";
import * as fmt from "../../dashboard/src/format.ts";
import { QUEUE_ROWS } from "../../dashboard/src/queuePanel.ts";
import { runDemo } from "../../scripts/demo/run.ts";
import { serveRpc } from "../../scripts/lib/rpcBridge.ts";
import type { PerpEngine, PerpLens } from "../../types/ethers-contracts/index.ts";

const ARTIFACTS = join(process.cwd(), "test-artifacts");
/** The dev account the injected wallet holds: none of the demo's own accounts. */
const TRADER_ACCOUNT = 19;
const KEEPER_ACCOUNT = 2;
const WAD = 10n ** 18n;
const usd = (dollars: number) => BigInt(dollars) * 10n ** 6n;
const usdText = (atoms: bigint) => new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" }).format(Number(atoms) / 1e6);

const connection = await network.create();
const { ethers, provider } = connection;

/** The page's rendered block (body data-block) reaching `block`: every panel has read it. */
const renderedBlock = (page: Page, block: number) =>
  page.waitForFunction((b) => Number(document.body.dataset.block ?? -1) >= b, block, { timeout: 30_000 });
const chainBlock = async () => Number(await provider.request({ method: "eth_blockNumber" }));

/** JSON-RPC traffic of the page: HTTP POSTs to /rpc and the calls they carry, polls counted apart. */
function rpcCounter(page: Page) {
  const counts = { polls: 0, requests: 0, calls: 0 };
  page.on("request", (request: Request) => {
    if (!request.url().endsWith("/rpc") || request.method() !== "POST") return;
    const body = JSON.parse(request.postData() ?? "null");
    const calls = Array.isArray(body) ? body : [body];
    if (calls.length === 1 && calls[0].method === "eth_blockNumber") counts.polls++;
    else {
      counts.requests++;
      counts.calls += calls.length;
    }
  });
  return {
    counts,
    reset: () => Object.assign(counts, { polls: 0, requests: 0, calls: 0 }),
  };
}

/** Each side's rows in the queue panel are the lens's ranking, with its ranks and lights; returns id -> lights. */
async function expectQueuesAsLens(page: Page, lens: PerpLens): Promise<Record<string, number>> {
  const lights: Record<string, number> = {};
  for (const side of ["long", "short"]) {
    const rows = await page.$$eval(`#queues [data-side='${side}'] tr[data-position]`, (trs) =>
      trs.map((tr) => ({
        id: (tr as HTMLElement).dataset.position!,
        lights: Number((tr as HTMLElement).dataset.lights),
        rank: tr.firstChild!.textContent,
      })),
    );
    const [ids] = await lens.adlRanking(0, side === "long", QUEUE_ROWS);
    expect(
      rows.map((r) => r.id),
      `${side} queue`,
    ).to.deep.equal(ids.map(String));
    for (const row of rows) {
      const adl = await lens.positionAdl(BigInt(row.id));
      expect([row.rank, row.lights], `rank and lights of #${row.id}`).to.deep.equal([adl.rank.toString(), Number(adl.quantile)]);
      lights[row.id] = row.lights;
    }
  }
  return lights;
}

/** [event name, position id] of every Liquidated and AdlFill since `fromBlock`, newest first. */
async function riskEventsOnChain(engine: PerpEngine, fromBlock: number): Promise<string[][]> {
  const logs = [
    ...(await engine.queryFilter(engine.filters.Liquidated(), fromBlock)),
    ...(await engine.queryFilter(engine.filters.AdlFill(), fromBlock)),
  ];
  return logs
    .sort((a, b) => b.blockNumber - a.blockNumber || b.index - a.index)
    .map((e) => [e.fragment.name, e.args.positionId.toString()]);
}

/** The ids of every open position (the demo's crowd: well under 1,000 accounts). */
async function openPositionIds(lens: PerpLens): Promise<bigint[]> {
  const [ids, positions] = await lens.accountPositions(1, 1_000);
  return [...ids].filter((_, i) => positions[i].size !== 0n);
}

/** id -> the lens's five-light quantile, for every open position. */
async function allLights(lens: PerpLens): Promise<Record<string, number>> {
  const ids = await openPositionIds(lens);
  const adl = await Promise.all(ids.map((id) => lens.positionAdl(id)));
  return Object.fromEntries(ids.map((id, i) => [id.toString(), Number(adl[i].quantile)]));
}

/** The first open position that is bankrupt at the current price. */
async function firstBankrupt(lens: PerpLens): Promise<bigint> {
  const health = await lens.positionHealthBatch(await openPositionIds(lens));
  const found = health.find((h) => h.bankrupt);
  if (!found) throw new Error("no bankrupt position after the crash");
  return found.positionId;
}

async function lookUp(page: Page, query: string, shows: string) {
  await page.fill("#lookup-input", query);
  await page.click("#lookup-form button");
  await page.waitForSelector(shows);
}

/** Mines an empty block and counts the page's RPC traffic until it has rendered it. */
async function measureRefresh(page: Page, traffic: ReturnType<typeof rpcCounter>): Promise<string> {
  await renderedBlock(page, await chainBlock());
  traffic.reset();
  await provider.request({ method: "evm_mine" });
  await renderedBlock(page, await chainBlock());
  const { polls, requests, calls } = traffic.counts;
  expect(requests).to.be.within(1, 12);
  return `${requests} HTTP requests carrying ${calls} JSON-RPC calls (+${polls} eth_blockNumber polls)`;
}

describe("dashboard (headless Chromium against the demo chain)", function () {
  this.timeout(300_000);
  let rpc: { url: string; close(): Promise<void> };
  let dashboard: { url: string; close(): Promise<void> };
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let book: AddressBook;

  before(async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).to.equal(true);
    mkdirSync(ARTIFACTS, { recursive: true });
    rpc = await serveRpc(provider);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await dashboard?.close();
    await rpc?.close();
  });

  it("shows the demo's positions, then the crash: liquidations, the ADL fill and the lights that changed", async () => {
    const started = performance.now();
    let page!: Page;
    let traffic!: ReturnType<typeof rpcCounter>;
    let lightsAtOpen: Record<string, number> = {};
    await runDemo(connection, {
      onPhase: async (phase, { addressBook }) => {
        const engine = await ethers.getContractAt("PerpEngine", addressBook.engine);
        const lens = await ethers.getContractAt("PerpLens", addressBook.lens);
        if (phase === "opened") {
          book = addressBook;
          const serving = performance.now();
          dashboard = await startDashboard({ rpcUrl: rpc.url, addressBook });
          console.log(`      dashboard built and served in ${Math.round(performance.now() - serving)} ms`);
          page = await browser.context.newPage();
          traffic = rpcCounter(page);
          const loading = performance.now();
          await page.goto(dashboard.url);
          await renderedBlock(page, await chainBlock());
          console.log(`      first full render ${Math.round(performance.now() - loading)} ms after navigation`);
        } else await renderedBlock(page, await chainBlock());

        const [price] = await (await ethers.getContractAt("ChainlinkPriceOracle", addressBook.markets[0].oracle)).valuationPrice();
        expect(await page.getAttribute("#markets [data-market='0'] .price", "data-price")).to.equal(price.toString());
        const queueLights = await expectQueuesAsLens(page, lens);
        const events = await riskEventsOnChain(engine, addressBook.deploymentBlock);

        if (phase === "opened") {
          const state = await engine.marketState(0);
          const openInterest = await page.textContent("#markets [data-side='long']");
          expect(openInterest).to.contain(fmt.size(state.longSize, "ETH"));
          expect(await page.textContent("#markets [data-side='short']")).to.contain(fmt.size(state.shortSize, "ETH"));
          expect(Object.keys(queueLights)).to.have.length(2 * QUEUE_ROWS);
          lightsAtOpen = await allLights(lens);
          expect(events).to.deep.equal([]);
          expect(await page.$$("#events tr[data-event]")).to.have.length(0);
          console.log(`      one block refresh: ${await measureRefresh(page, traffic)}`);
        }
        if (phase === "crashed") {
          // The gap has not been acted on yet: a bankrupt position looked up shows as bankrupt.
          const bankrupt = await firstBankrupt(lens);
          await lookUp(page, bankrupt.toString(), `#lookup-result tr[data-position='${bankrupt}']`);
          expect(await page.getAttribute(`#lookup-result tr[data-position='${bankrupt}'] [data-health]`, "data-health")).to.equal(
            "bankrupt",
          );
          expect(events).to.deep.equal([]);
        }
        if (phase === "settled") {
          // The feed: the newest liquidations and ADL fills, as on chain, bankruptcy and pool-protection fills among them.
          expect(events.filter(([name]) => name === "AdlFill").length).to.be.greaterThan(0);
          const rows = await page.$$eval("#events tr[data-event]", (trs) =>
            trs.map((tr) => [(tr as HTMLElement).dataset.event!, (tr as HTMLElement).dataset.position!]),
          );
          expect(rows).to.deep.equal(events.slice(0, FEED_ROWS));
          expect(rows.some(([name]) => name === "AdlFill")).to.equal(true);
          // ADL debt paid off: the market shows none owed on either side.
          const debts = await page.$$eval("#markets [data-adl-debt]", (cells) => cells.map((c) => (c as HTMLElement).dataset.adlDebt));
          expect(debts).to.deep.equal(["0", "0"]);
          // The crash, the fills and the rebound moved positions in the ranking: one whose lights
          // changed since the positions opened, looked up by its account, shows the new lights.
          const lightsNow = await allLights(lens);
          const moved = Object.keys(lightsNow).filter((id) => id in lightsAtOpen && lightsAtOpen[id] !== lightsNow[id]);
          expect(moved.length).to.be.greaterThan(0);
          const holder = (await engine.position(BigInt(moved[0]))).account;
          await lookUp(page, holder, `#lookup-result tr[data-position='${moved[0]}']`);
          const lights = Number(await page.getAttribute(`#lookup-result tr[data-position='${moved[0]}']`, "data-lights"));
          expect([lights, lights !== lightsAtOpen[moved[0]]]).to.deep.equal([lightsNow[moved[0]], true]);

          // A position liquidated in full is gone.
          const liquidated = [...new Set(events.filter(([name]) => name === "Liquidated").map(([, id]) => id))];
          const sizes = await Promise.all(liquidated.map(async (id) => (await engine.position(BigInt(id))).size));
          const closed = liquidated[sizes.indexOf(0n)];
          await lookUp(page, closed, "#lookup-result [data-empty]");
          expect(await page.textContent("#lookup-result")).to.contain(`Position #${closed} is not open`);
          await page.screenshot({ path: join(ARTIFACTS, "dashboard.png"), fullPage: true });
          console.log(`      one block refresh with a lookup open: ${await measureRefresh(page, traffic)}`);
        }
      },
    });
    console.log(`      demo with the page watching: ${Math.round(performance.now() - started)} ms`);
  });

  it("trades through an injected wallet: deposit, preview, a pending market order, a decoded revert, the fill", async () => {
    const [owner] = await ethers.getSigners();
    const trader = (await ethers.getSigners())[TRADER_ACCOUNT];
    const token = await ethers.getContractAt("TestToken", book.collateralToken);
    const lens = await ethers.getContractAt("PerpLens", book.lens);
    const engine = await ethers.getContractAt("PerpEngine", book.engine);
    await (await token.connect(owner).mint(trader.address, usd(10_000))).wait(); // the test USD's faucet

    await browser.context.addInitScript(injectedWallet, trader.address);
    const page = await browser.context.newPage();
    await page.goto(dashboard.url);
    await renderedBlock(page, await chainBlock());
    await page.click("#connect");
    await page.waitForSelector(`[data-account='${trader.address}']`);

    await page.fill("#funds-amount", "5000");
    await page.click("button[data-action='deposit']");
    await page.waitForSelector("#trade-result .ok");
    expect(await page.textContent("#trade-result")).to.contain("Deposited $5,000.00");
    await page.waitForSelector(`#trader-balances [data-free='${usd(5_000)}']`);

    // The preview for a 1 ETH long on 500 is the lens's at the current block.
    await page.fill("#trade-size", "1");
    await page.fill("#trade-margin", "500");
    await page.dispatchEvent("#trade-margin", "change");
    const expected = await lens.previewTrade(trader.address, 0, WAD, usd(500));
    await page.waitForSelector(`#trade-preview [data-execution-price='${expected.executionPrice}']`);
    const preview = await page.textContent("#trade-preview");
    expect(preview).to.contain(usdText(expected.fee));
    expect(preview).to.contain(`${expected.rank} of ${expected.sideCount}`);

    await page.click("button[data-action='open']");
    await page.waitForSelector("#trade-result .ok");
    const opened = (await page.textContent("#trade-result"))!;
    expect(opened)
      .to.match(/Order #\d+ requested/)
      .and.contain("a keeper executes it at the first price published after the request");
    const orderId = opened.match(/Order #(\d+)/)![1];
    await page.waitForSelector(`#trader-orders tr[data-order='${orderId}']`);
    expect((await engine.order(BigInt(orderId))).account).to.equal(trader.address);

    // Withdrawing more than the free balance reverts; the page names the protocol's error and its arguments.
    const free = await engine.freeBalance(trader.address);
    await page.fill("#funds-amount", "1000000");
    await page.click("button[data-action='withdraw']");
    await page.waitForSelector("#trade-result .error");
    expect(await page.getAttribute("#trade-result .error", "data-error")).to.equal("InsufficientBalance");
    expect(await page.textContent("#trade-result")).to.contain(`InsufficientBalance(${trader.address}, ${free}, ${usd(1_000_000)})`);

    // The keeper fills the order at the next round: it leaves Pending orders and the position appears.
    const feed = await ethers.getContractAt("SettableAggregator", book.markets[0].feed);
    const [, answer] = await feed.latestRoundData();
    await (await feed.setAnswer(answer)).wait();
    await embeddedKeeper(provider, book, devPrivateKey(KEEPER_ACCOUNT)).tick();
    const positionId = await engine.positionIdOf(trader.address, 0);
    expect(positionId).to.not.equal(0n);
    await page.waitForSelector(`#trader-positions tr[data-position='${positionId}']`, { timeout: 30_000 });
    await page.waitForSelector(`#trader-orders tr[data-order='${orderId}']`, { state: "detached" });
  });

  it("serves through the CLI, shows a banner when the node is unreachable, and the CLI refuses bad input in one line", async () => {
    const deadPort = await freePort();
    const offline = await startDashboard({ rpcUrl: `http://127.0.0.1:${deadPort}`, addressBook: book });
    try {
      const page = await browser.context.newPage();
      await page.goto(offline.url);
      await page.waitForSelector("#banner:not([hidden])", { timeout: 20_000 });
      expect(await page.textContent("#banner")).to.contain(`RPC unreachable (http://127.0.0.1:${deadPort})`);
    } finally {
      await offline.close();
    }
    // The CLI's happy path: it checks the book against the node, then serves the page.
    const bookFile = join(await mkdtemp(join(tmpdir(), "dashboard-book-")), "book.json");
    await writeAddressBook(bookFile, book);
    const served = startProcess(
      process.execPath,
      ["dashboard/cli.ts", "--rpc", rpc.url, "--addresses", bookFile, "--port", "0"],
      /Dashboard on \S+/,
    );
    try {
      await served.done;
      const url = served.output().match(/Dashboard on (\S+)/)![1];
      const config = await (await fetch(new URL("config.json", url))).json();
      expect(config).to.deep.include({ rpcUrl: rpc.url, rpcPath: "/rpc" });
      expect(config.addressBook.engine).to.equal(book.engine);
    } finally {
      stopProcess(served.child);
    }

    const cli = (args: string[]) =>
      promisify(execFile)(process.execPath, ["dashboard/cli.ts", ...args]).then(
        () => expect.fail("the CLI should have failed"),
        (e: { code: number; stderr: string }) => e,
      );
    const missing = await cli(["--addresses", "no/such/book.json"]);
    expect(missing.code).to.equal(1);
    expect(missing.stderr.trim()).to.equal(
      "dashboard: address book no/such/book.json does not exist (run `npm run deploy:local` for a local node, or pass --addresses)",
    );
    const down = await cli(["--rpc", `http://127.0.0.1:${deadPort}`, "--addresses", "package.json"]);
    expect(down.code).to.equal(1);
    expect(down.stderr.trim().split("\n")).to.have.length(1);
    expect(down.stderr).to.contain(`dashboard: RPC http://127.0.0.1:${deadPort} is unreachable`);
  });
});
