// The README's "Integrate a frontend" example as a user runs it: the exact file the README shows,
// with `node`, against a real `hardhat node` with the protocol deployed by scripts/deploy.ts.
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { createPublicClient, http, type Address } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { readContract } from "viem/actions";
import { perpEngineAbi } from "../../sdk/dist/index.js";
import { readAddressBook } from "../../scripts/lib/addressBook.ts";
import { startLocalChain, startProcess, stopProcess } from "../../scripts/lib/localChain.ts";

const EXAMPLE = "sdk/examples/quickstart.js";
/** The account the example trades from when PRIVATE_KEY is not set: Hardhat's first dev account. */
const FIRST_DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

describe("sdk example (the README's, against a real node)", function () {
  this.timeout(180_000);
  let node: ChildProcess | undefined;
  after(() => stopProcess(node));

  it("is the code the README shows", () => {
    const readme = readFileSync("README.md", "utf8");
    const section = readme.slice(readme.indexOf("## Integrate a frontend"), readme.indexOf("## Run a keeper"));
    const block = section.match(/```js\n([\s\S]*?)```/);
    expect(block?.[1]).to.equal(readFileSync(EXAMPLE, "utf8"));
  });

  it("reads, deposits, previews and leaves a pending order, printing what it did", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sdk-example-"));
    const bookPath = join(dir, "book.json");
    const chain = await startLocalChain(bookPath);
    node = chain.node;
    const run = startProcess("node", [EXAMPLE], null, { RPC_URL: chain.rpcUrl, ADDRESS_BOOK: bookPath });
    await run.done;
    const output = run.output();
    expect(run.child.exitCode, output).to.equal(0);
    const lines = output.trim().split("\n");
    expect(lines[0]).to.equal("ETH at 3000; open interest 0 long, 0 short");
    expect(lines[1]).to.match(
      /^preview: fill at 3000\.\d+ \(fee 0\.75, impact [\d.]+\), liquidation at 24\d\d\.\d+, ADL rank 1 of 1 \(5\/5 lights\)$/,
    );
    expect(lines[2]).to.match(/^pending order 1: buy 0\.5 ETH at most 3030\.\d+$/);
    expect(lines[3]).to.equal("withdrawing 1,000,000 reverts with InsufficientBalance");

    const book = await readAddressBook(bookPath);
    const client = createPublicClient({ transport: http(chain.rpcUrl) });
    const order = await readContract(client, { address: book.engine, abi: perpEngineAbi, functionName: "order", args: [1n] });
    expect(order.account).to.equal(privateKeyToAccount(FIRST_DEV_KEY).address as Address);
    expect(order.sizeDelta).to.equal(5n * 10n ** 17n);
    expect(order.marginIn).to.equal(300_000_000n);
  });
});
