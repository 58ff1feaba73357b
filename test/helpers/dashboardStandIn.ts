// TEMPORARY stand-in for scripts/demo/run.ts runDemo and scripts/lib/rpcBridge.ts serveRpc, which
// the lead is landing on main: the same API, the old demo's eight positions and 6% gap. Deleted
// when the dashboard test switches to the real ones.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { NetworkConnection } from "hardhat/types/network";
import type { AddressBook } from "../../scripts/lib/addressBook.ts";
import { deployProtocol } from "../../scripts/lib/deployProtocol.ts";
import { embeddedKeeper } from "../../scripts/lib/embeddedKeeper.ts";
import { devPrivateKey } from "../../scripts/lib/localChain.ts";
import { depositThroughRequest } from "../../scripts/lib/lpRequests.ts";
import { marketOrder } from "../../scripts/lib/orders.ts";

export type DemoPhase = "opened" | "crashed" | "settled";

export async function runDemo(
  connection: NetworkConnection,
  options: { onPhase?: (phase: DemoPhase, context: { addressBook: AddressBook }) => Promise<void> } = {},
) {
  const { ethers, provider } = connection;
  const onPhase = options.onPhase ?? (async () => {});
  const usd = (n: number) => BigInt(n) * 10n ** 6n;
  const signers = await ethers.getSigners();
  const [owner, lp, keeper] = signers;
  const { token, engine, vault, markets, addressBook } = await deployProtocol(ethers, {
    markets: [{ name: "ETH", initialAnswer: 3000_00000000n }],
  });
  const feed = markets[0].feed;
  const fund = async (who: (typeof signers)[number], amount: bigint) => {
    await (await token.mint(who.address, amount)).wait();
    await (await token.connect(who).approve(await engine.getAddress(), ethers.MaxUint256)).wait();
    await (await token.connect(who).approve(await vault.getAddress(), ethers.MaxUint256)).wait();
  };
  await fund(lp, usd(1_000_000));
  await depositThroughRequest(ethers.provider, vault.connect(lp), [feed], usd(1_000_000), lp.address);
  await fund(owner, usd(500));
  await (await engine.fundInsurance(usd(500))).wait();
  const book: [number, number][] = [
    [5, 1_000],
    [20, 4_400],
    [2, 1_000],
    [30, 6_500],
    [-10, 3_000],
    [-30, 5_000],
    [-5, 900],
    [25, 3_800],
  ];
  const executionFee = (await engine.orderSettings()).minExecutionFee;
  const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  for (const [i, [sizeEth, margin]] of book.entries()) {
    const trader = signers[3 + i];
    await fund(trader, usd(margin) + executionFee);
    await (await engine.connect(trader).deposit(usd(margin) + executionFee)).wait();
    const request = marketOrder({ marketId: 0, sizeDelta: BigInt(sizeEth) * 10n ** 18n, marginIn: usd(margin), executionFee, now });
    await (await engine.connect(trader).createOrder(request)).wait();
  }
  await (await feed.setAnswer(3000_00000000n)).wait();
  const { tick } = embeddedKeeper(provider, addressBook, devPrivateKey(signers.indexOf(keeper)));
  await tick();
  await onPhase("opened", { addressBook });
  await (await feed.setAnswer(2820_00000000n)).wait();
  await onPhase("crashed", { addressBook });
  for (let i = 0; i < 10; i++) await tick();
  await onPhase("settled", { addressBook });
}

export async function serveRpc(provider: unknown, port = 0): Promise<{ url: string; close(): Promise<void> }> {
  const chain = provider as { request(args: { method: string; params?: unknown[] }): Promise<unknown> };
  const answer = async (call: { id: unknown; method: string; params?: unknown[] }) => {
    try {
      return { jsonrpc: "2.0", id: call.id, result: await chain.request({ method: call.method, params: call.params ?? [] }) };
    } catch (error) {
      const { code, message, data } = error as { code?: number; message: string; data?: unknown };
      return { jsonrpc: "2.0", id: call.id, error: { code: code ?? -32603, message, data } };
    }
  };
  const server = createServer(async (request, response) => {
    let body = "";
    for await (const chunk of request) body += chunk;
    const payload = JSON.parse(body);
    const result = Array.isArray(payload) ? await Promise.all(payload.map(answer)) : await answer(payload);
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(result));
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}
