// Opens the demo's crowd through the normal user path: each trader gets collateral, approves and
// deposits it, and requests a market order; the keeper executes the orders at the next price round.
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { Wallet, id } from "ethers";
import type { PerpEngine, TestToken } from "../../types/ethers-contracts/index.ts";
import { createdOrderId, marketOrder } from "../lib/orders.ts";
import type { TraderIntent } from "./population.ts";

const USD = 10n ** 6n;
const MILLI_ETH = 10n ** 15n;
/** Traders act this many at a time: each has its own account and nonces, and the chain mines each call at once. */
const PARALLEL_TRADERS = 24;
const GAS_MONEY = "0x8AC7230489E80000"; // 10 ETH

export interface OpenedTrader {
  wallet: Wallet;
  intent: TraderIntent;
  marginUsd: bigint;
  orderId: bigint;
}

/** The margin (token atoms) that gives `intent` its leverage at `price` dollars. */
const marginFor = (intent: TraderIntent, price: number) =>
  (BigInt(intent.sizeMilliEth) * BigInt(price) * USD * 10n) / (1000n * BigInt(intent.leverageTenths));

/** Requests one market order per intent, from a fresh account per trader derived from `seed`. */
export async function requestCrowdOrders(
  ethers: HardhatEthers,
  contracts: { engine: PerpEngine; token: TestToken },
  intents: TraderIntent[],
  options: { seed: number; price: number; marketId: number },
): Promise<OpenedTrader[]> {
  const { engine, token } = contracts;
  const engineAddress = await engine.getAddress();
  const executionFee = (await engine.orderSettings()).minExecutionFee;
  const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  const opened: OpenedTrader[] = [];
  for (let start = 0; start < intents.length; start += PARALLEL_TRADERS) {
    const batch = intents.slice(start, start + PARALLEL_TRADERS).map(async (intent, j) => {
      const wallet = new Wallet(id(`ranked-adl demo ${options.seed} trader ${start + j}`), ethers.provider);
      await ethers.provider.send("hardhat_setBalance", [wallet.address, GAS_MONEY]);
      const marginUsd = marginFor(intent, options.price);
      const funds = marginUsd + executionFee;
      await (await token.connect(wallet).mint(wallet.address, funds)).wait();
      await (await token.connect(wallet).approve(engineAddress, funds)).wait();
      await (await engine.connect(wallet).deposit(funds)).wait();
      const sizeDelta = BigInt(intent.sizeMilliEth) * MILLI_ETH * (intent.isLong ? 1n : -1n);
      const request = marketOrder({ marketId: options.marketId, sizeDelta, marginIn: marginUsd, executionFee, now });
      const orderId = await createdOrderId(engine, await engine.connect(wallet).createOrder(request));
      return { wallet, intent, marginUsd, orderId };
    });
    opened.push(...(await Promise.all(batch)));
  }
  return opened;
}
