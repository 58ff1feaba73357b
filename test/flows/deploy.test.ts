// The deployment flow against a real `hardhat node`: Hardhat Ignition deploys the whole system from
// deploy/local.json, a second run resumes and changes nothing, a deploy that runs out of gas money
// halfway resumes once funded (nothing deployed twice), a book of another deployment is never
// overwritten, and a config for another chain or a malformed key is refused with one line.
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { Wallet } from "ethers";
import { createPublicClient, http } from "viem";
import { checkAddressBook } from "../../keeper/preflight.ts";
import type { AddressBook } from "../../scripts/lib/addressBook.ts";
import { freePort, freshProvider, runDeploy, startNode, stopProcess } from "../../scripts/lib/localChain.ts";

const readBook = (path: string) => JSON.parse(readFileSync(path, "utf8")) as Required<AddressBook>;

describe("deploy (Hardhat Ignition, end to end against a real node)", function () {
  this.timeout(300_000);
  let node: ChildProcess;
  let rpcUrl: string;
  let dir: string;
  let ignitionDir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "deploy-"));
    ignitionDir = join(dir, "ignition");
    const port = await freePort();
    rpcUrl = `http://127.0.0.1:${port}`;
    node = await startNode(port);
  });
  after(() => stopProcess(node));

  async function deploy(env: Record<string, string>, network = "localhost") {
    const run = runDeploy(rpcUrl, { IGNITION_DIR: ignitionDir, ...env }, network);
    await run.done;
    return { code: run.child.exitCode, output: run.output() };
  }

  it("deploys every contract of deploy/local.json, writes the book with libraries and constructor arguments, and a re-run changes nothing", async () => {
    const bookPath = join(dir, "local.json");
    const first = await deploy({ ADDRESS_BOOK: bookPath });
    expect(first.code, first.output).to.equal(0);
    const book = readBook(bookPath);
    expect(book).to.include({ chainId: 31337, deploymentId: "chain-31337" });
    expect(book.markets.map((m) => [m.marketId, m.name])).to.deep.equal([
      [0, "ETH"],
      [1, "BTC"],
    ]);
    const { contracts } = book;
    expect(Object.keys(contracts)).to.have.members([
      "Token",
      "AdlQueue",
      "OrderRules",
      "OrderModule",
      "LiquidationModule",
      "GovernanceModule",
      "PerpEngine",
      "LiquidityVault",
      "PerpLens",
      "ETHFeed",
      "ETHOracle",
      "BTCFeed",
      "BTCOracle",
    ]);
    expect(contracts.PerpEngine.libraries).to.deep.equal({ AdlQueue: book.adlQueue });
    expect(contracts.LiquidationModule.libraries).to.deep.equal({ AdlQueue: book.adlQueue });
    expect(contracts.OrderModule.libraries).to.deep.equal({ AdlQueue: book.adlQueue, OrderRules: book.orderRules });
    expect(contracts.PerpEngine.constructorArgs.map((a) => String(a).toLowerCase())).to.deep.equal(
      [book.collateralToken, new Wallet(DEV_KEY_0).address, book.liquidationModule, book.governanceModule, book.orderModule].map((a) =>
        a!.toLowerCase(),
      ),
    );
    expect(contracts.ETHOracle.constructorArgs).to.deep.equal([
      book.markets[0].feed,
      3600,
      "0x0000000000000000000000000000000000000000",
      0,
      "1",
      String(10n ** 17n), // 1e9 in the feed's 8 decimals
    ]);
    expect(book.deploymentBlock).to.equal(contracts.PerpEngine.blockNumber);
    // The keeper reads this same book: its start-up check passes on it.
    await checkAddressBook(createPublicClient({ transport: http(rpcUrl) }), book, bookPath);
    const provider = freshProvider(rpcUrl);
    const engine = new (await import("ethers")).Contract(book.engine, ["function insuranceFund() view returns (uint256)"], provider);
    expect(await engine.insuranceFund()).to.equal(1_000n * 10n ** 6n); // the insurance seed

    const blockBefore = await provider.getBlockNumber();
    const again = await deploy({ ADDRESS_BOOK: bookPath });
    expect(again.code, again.output).to.equal(0);
    expect(again.output).to.match(/Resuming existing deployment|Nothing new to deploy/);
    expect(await provider.getBlockNumber()).to.equal(blockBefore); // not one transaction
    expect(readBook(bookPath)).to.deep.equal(book);

    // A new deployment id is a new deployment, with its own book; the previous book stays as it was.
    const refused = await deploy({ ADDRESS_BOOK: bookPath, DEPLOYMENT_ID: "second" });
    expect(refused.code).to.equal(2);
    expect(refused.output).to.match(/^deploy: .*local\.json is the address book of deployment chain-31337 on chain 31337; it is kept/m);
    const secondPath = join(dir, "second.json");
    const second = await deploy({ ADDRESS_BOOK: secondPath, DEPLOYMENT_ID: "second" });
    expect(second.code, second.output).to.equal(0);
    expect(readBook(secondPath).engine).to.not.equal(book.engine);
    expect(readBook(bookPath)).to.deep.equal(book);
  });

  it("resumes a deploy whose key ran out of gas money halfway, deploying nothing twice", async () => {
    const provider = freshProvider(rpcUrl);
    const deployer = Wallet.createRandom();
    await provider.send("hardhat_setBalance", [deployer.address, "0x11C37937E08000"]); // 0.005 ETH: a few contracts
    const spec = join(dir, "one-market.json");
    const local = JSON.parse(readFileSync("deploy/local.json", "utf8"));
    writeFileSync(spec, JSON.stringify({ ...local, markets: local.markets.slice(0, 1) }));
    const env = {
      DEPLOY_CONFIG: spec,
      DEPLOYMENT_ID: "underfunded",
      ADDRESS_BOOK: join(dir, "underfunded.json"),
      DEPLOYER_PRIVATE_KEY: deployer.privateKey,
      TESTNET_RPC_URL: rpcUrl,
    };
    const failed = await deploy(env, "testnet");
    expect(failed.code, failed.output).to.equal(2);
    expect(failed.output).to.match(/^deploy: .*enough funds/m);
    const journal = join(ignitionDir, "deployments", "underfunded");
    const halfway = JSON.parse(readFileSync(join(journal, "deployed_addresses.json"), "utf8")) as Record<string, string>;
    expect(Object.keys(halfway).length).to.be.greaterThan(0);
    expect(halfway).to.not.have.property("Protocol#PerpEngine");

    await provider.send("hardhat_setBalance", [deployer.address, "0x56BC75E2D63100000"]);
    const resumed = await deploy(env, "testnet");
    expect(resumed.code, resumed.output).to.equal(0);
    const book = readBook(join(dir, "underfunded.json"));
    for (const [future, address] of Object.entries(halfway))
      expect(book.contracts[future.replace("Protocol#", "")].address).to.equal(address);
    // Every contract was deployed by exactly one transaction of this deployer.
    const deployments = readFileSync(join(journal, "journal.jsonl"), "utf8")
      .split("\n")
      .filter((line) => line.includes('"DEPLOYMENT_EXECUTION_STATE_COMPLETE"'));
    expect(deployments).to.have.length(Object.keys(book.contracts).length);
    await checkAddressBook(createPublicClient({ transport: http(rpcUrl) }), book, "underfunded.json");
  });

  it("refuses a config for another chain, and a malformed key, with one line", async () => {
    const env = {
      DEPLOY_CONFIG: "deploy/sepolia.json",
      TESTNET_RPC_URL: rpcUrl,
      DEPLOYER_PRIVATE_KEY: DEV_KEY_0,
      ADDRESS_BOOK: join(dir, "x.json"),
    };
    const wrongChain = await deploy(env, "testnet");
    expect(wrongChain.code).to.equal(2);
    expect(wrongChain.output.trim().split("\n").at(-1)).to.equal(
      'deploy: deploy/sepolia.json is for chain 11155111 but network testnet is chain 31337; refusing to deploy (a config with "chainId": 31337 deploys there on purpose)',
    );
    const badKey = await deploy({ ...env, DEPLOYER_PRIVATE_KEY: "0x1234" }, "testnet");
    expect(badKey.code).to.equal(2);
    expect(badKey.output.trim()).to.equal(
      "deploy: DEPLOYER_PRIVATE_KEY is not a 32-byte hex private key (64 hex digits, optionally 0x-prefixed)",
    );
  });
});

/** Hardhat's development account 0, the localhost deployer. */
const DEV_KEY_0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
