// The keeper against a node that really restarts: anvil keeps its chain in a state file, is
// stopped (connections refused while it is down), and comes back on the same port with the same
// chain. The keeper must keep running through it and finish the work once the node is back.
import type { ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { parseUnits } from "ethers";
import {
  devWallet,
  freshProvider,
  openPositionFor,
  protocolAt,
  seedVault,
  startLocalChain,
  startNode,
  stopProcess,
} from "../../scripts/lib/localChain.ts";
import { eventually, runKeeper } from "../helpers/keeperProcess.ts";

describe("keeper (end to end, node restart)", function () {
  this.timeout(120_000);
  const started: ChildProcess[] = [];
  after(() => started.forEach(stopProcess));

  it("keeps running while its node restarts, then liquidates on the restarted node", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keeper-restart-"));
    const bookPath = join(dir, "book.json");
    const anvilState = join(dir, "anvil-state.json");
    const chain = await startLocalChain(bookPath, { anvilState });
    started.push(chain.node);
    const provider = freshProvider(chain.rpcUrl);
    await seedVault(bookPath, devWallet(0, provider), "1000000");
    const id = await openPositionFor(bookPath, devWallet(1, provider), "10", "1600");
    const keeper = await runKeeper(dir, chain.rpcUrl);
    started.push(keeper.child);

    // The node goes down (it writes its chain to the state file on SIGTERM) and comes back.
    const exited = new Promise((resolve) => chain.node.once("exit", resolve));
    stopProcess(chain.node);
    await exited;
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // a few failed ticks
    const restarted = await startNode(chain.port, { anvilState });
    started.push(restarted);

    const { feed, engine } = await protocolAt(bookPath, devWallet(0, freshProvider(chain.rpcUrl)));
    expect((await engine.position(id)).size).to.equal(parseUnits("10", 18)); // the chain survived the restart
    await (await feed.setAnswer(2850_00000000n)).wait();
    const liquidated = await eventually(async () => (await engine.position(id)).size < parseUnits("10", 18));
    const alive = keeper.child.exitCode === null;
    stopProcess(keeper.child);
    expect(alive, keeper.output()).to.equal(true);
    expect(liquidated, keeper.output()).to.equal(true);
  });
});
