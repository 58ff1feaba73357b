// The keeper's position index against the in-process chain, including reorgs below the indexed
// block (made with evm_snapshot / evm_revert): after every sync the index must equal the open
// positions read straight from the chain.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { network } from "hardhat";
import { PositionIndexer } from "../../keeper/indexer.ts";
import { deployMarket } from "../helpers/inProcessMarket.ts";
import { inProcessClient } from "../../scripts/lib/embeddedKeeper.ts";

const { ethers, provider } = await network.create();
const client = inProcessClient(provider);
const usd = (n: number) => BigInt(n) * 10n ** 6n;
const eth = (n: number) => BigInt(n) * 10n ** 18n;

async function setup() {
  const { engine, addressBook, signers, open } = await deployMarket(ethers, usd(1_000_000));
  const [, alice, bob, carol] = signers;
  const indexerAt = (stateFile: string, onRebuild?: (reason: string) => void, confirmations = 0n) =>
    new PositionIndexer({
      client: client as never,
      chainId: addressBook.chainId,
      onRebuild,
      engine: addressBook.engine,
      lens: addressBook.lens,
      deploymentBlock: BigInt(addressBook.deploymentBlock),
      confirmations,
      stateFile,
      maxRange: 3n, // small ranges, so a sync crosses several
    });
  return { engine, alice, bob, carol, open, indexerAt };
}

/** Every open position as the chain stores it, by brute force over every id an account can have. */
async function chainOpenSet(engine: Awaited<ReturnType<typeof setup>>["engine"]) {
  const out: string[] = [];
  const lastId = (BigInt(await engine.accountCount()) + 1n) * 16n; // the engine's MAX_MARKETS stride
  for (let id = 1n; id < lastId; id++) {
    const p = await engine.position(id);
    if (p.size !== 0n) out.push([id, p.marketId, p.size, p.margin, p.entryPrice, p.fundingSnapshot].join(":"));
  }
  return out;
}

function indexSet(indexer: PositionIndexer) {
  return [...indexer.positions()]
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .map((p) => [p.id, p.marketId, p.size, p.margin, p.entryPrice, p.fundingSnapshot].join(":"));
}

describe("keeper position index", () => {
  it("follows opens, changes and closes, survives a restart, and rebuilds itself after reorgs below its block", async () => {
    const { engine, alice, bob, carol, open, indexerAt } = await setup();
    const stateFile = join(mkdtempSync(join(tmpdir(), "indexer-")), "state.json");
    const indexer = indexerAt(stateFile);
    await open(alice, eth(10), usd(5_000));
    await open(bob, -eth(4), usd(2_000));
    await engine.connect(bob).addMargin(0, usd(500), 0);
    expect(await indexer.sync()).to.include({ reorg: false });
    expect(indexSet(indexer)).to.deep.equal(await chainOpenSet(engine));
    expect(indexSet(indexer)).to.have.length(2);

    // A fork that the chain later abandons: bob closes, carol opens.
    const snapshot = await provider.request({ method: "evm_snapshot", params: [] });
    await engine.connect(bob).closePosition(0, ethers.MaxUint256, 2n ** 40n);
    await open(carol, eth(3), usd(1_000));
    await indexer.sync();
    expect(indexSet(indexer)).to.deep.equal(await chainOpenSet(engine));
    await provider.request({ method: "evm_revert", params: [snapshot] });

    // The canonical chain: alice grows instead, carol opens a different position under the same
    // id, and it runs past the abandoned fork's height, so only block hashes tell them apart.
    await engine.connect(alice).modifyPosition(0, eth(2), ethers.MaxUint256, 2n ** 40n, 0);
    await open(carol, -eth(7), usd(4_000));
    await provider.request({ method: "hardhat_mine", params: ["0x5"] });
    expect(await indexer.sync()).to.include({ reorg: true });
    expect(indexSet(indexer)).to.deep.equal(await chainOpenSet(engine));
    expect(indexSet(indexer)).to.have.length(3);

    // A restart reads the saved index and carries on without a false alarm.
    const restarted = indexerAt(stateFile);
    expect(indexSet(restarted)).to.deep.equal(indexSet(indexer));
    await engine.connect(carol).closePosition(0, ethers.MaxUint256, 2n ** 40n);
    expect(await restarted.sync()).to.include({ reorg: false });
    expect(indexSet(restarted)).to.deep.equal(await chainOpenSet(engine));

    // A reorg that leaves the chain shorter than the index.
    const shortSnapshot = await provider.request({ method: "evm_snapshot", params: [] });
    await engine.connect(alice).closePosition(0, 0n, 2n ** 40n);
    await restarted.sync();
    expect(indexSet(restarted)).to.have.length(1);
    await provider.request({ method: "evm_revert", params: [shortSnapshot] });
    expect(await restarted.sync()).to.include({ reorg: true });
    expect(indexSet(restarted)).to.deep.equal(await chainOpenSet(engine));
    expect(indexSet(restarted)).to.have.length(2);
  });

  it("sets aside a state file of another deployment (a redeploy) and rebuilds, saying so", async () => {
    const stateFile = join(mkdtempSync(join(tmpdir(), "indexer-")), "state.json");
    const old = await setup();
    await old.open(old.alice, eth(5), usd(2_000));
    await old.indexerAt(stateFile).sync();
    // The protocol is deployed again on the same chain; the keeper keeps its state file.
    const fresh = await setup();
    await fresh.open(fresh.bob, -eth(2), usd(1_000));
    const reasons: string[] = [];
    const indexer = fresh.indexerAt(stateFile, (reason) => reasons.push(reason));
    expect(reasons).to.have.length(1);
    expect(reasons[0]).to.match(/^state file .* is for chain 31337 engine 0x\w+, not chain 31337 engine 0x\w+: rebuilding/);
    expect([...indexer.positions()]).to.have.length(0); // nothing of the old engine carried over
    await indexer.sync();
    expect(indexSet(indexer)).to.deep.equal(await chainOpenSet(fresh.engine));
    expect(indexSet(indexer)).to.have.length(1);
    // Its own file from now on: a restart reads it without complaint.
    fresh.indexerAt(stateFile, (reason) => reasons.push(reason));
    expect(reasons).to.have.length(1);
  });

  it("sees the head's positions at once with confirmations, but persists only confirmed blocks", async () => {
    const { engine, alice, bob, open, indexerAt } = await setup();
    const stateFile = join(mkdtempSync(join(tmpdir(), "indexer-")), "state.json");
    const indexer = indexerAt(stateFile, undefined, 2n);
    await open(alice, eth(5), usd(2_000));
    await indexer.sync();
    expect(indexSet(indexer)).to.deep.equal(await chainOpenSet(engine)); // at the head, not 2 blocks behind
    // The unconfirmed blocks are not in the file: a restart reads them again from the chain.
    const saved = JSON.parse(readFileSync(stateFile, "utf8"));
    expect(BigInt(saved.nextBlock)).to.equal(BigInt(await ethers.provider.getBlockNumber()) - 1n);
    await open(bob, -eth(1), usd(1_000));
    const restarted = indexerAt(stateFile, undefined, 2n);
    await restarted.sync();
    expect(indexSet(restarted)).to.deep.equal(await chainOpenSet(engine));
    expect(indexSet(restarted)).to.have.length(2);
  });
});
