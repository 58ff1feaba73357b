// Read a market, preview a trade and place it as an order, with @ranked-adl/sdk on a local chain.
// Plain JavaScript: runs as is on Node 20+ (the README's "Integrate a frontend" shows this file).
import { readFileSync } from "node:fs";
import { createPublicClient, createWalletClient, formatUnits, http, parseUnits } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { addressesFor, createReader, createWriter, decodeProtocolError, send, testTokenAbi } from "@ranked-adl/sdk";

const rpcUrl = process.env.RPC_URL ?? "http://127.0.0.1:8545";
const book = JSON.parse(readFileSync(process.env.ADDRESS_BOOK ?? "deployments/chain-31337.json", "utf8"));
// Hardhat's first development account unless PRIVATE_KEY is set.
const account = privateKeyToAccount(process.env.PRIVATE_KEY ?? "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
const publicClient = createPublicClient({ transport: http(rpcUrl) });
const wallet = createWalletClient({ account, transport: http(rpcUrl) });
const addresses = addressesFor(book, await publicClient.getChainId());
const reader = createReader(publicClient, addresses);
const writer = createWriter(publicClient, addresses, reader);
const sendAndWait = async (tx) => publicClient.waitForTransactionReceipt({ hash: await send(wallet, tx) });

const ETH = 0;
const size = parseUnits("0.5", 18); // base units have 18 decimals
const margin = parseUnits("300", 6); // token atoms: the local test USD has 6 decimals

const market = await reader.market(ETH);
console.log(
  `ETH at ${formatUnits(market.price, 18)}; open interest ${formatUnits(market.state.longSize, 18)} long, ${formatUnits(market.state.shortSize, 18)} short`,
);

// Local chains only: their test USD mints freely. On a real chain the wallet already holds collateral.
if (addresses.chainId === 31337) {
  const hash = await wallet.writeContract({
    address: addresses.collateralToken,
    abi: testTokenAbi,
    functionName: "mint",
    args: [account.address, margin * 2n],
    chain: null,
  });
  await publicClient.waitForTransactionReceipt({ hash });
}
const { minExecutionFee } = await reader.orderSettings();
// One transaction with an EIP-2612 permit when the token has them; else approve (if needed) and deposit.
for (const tx of await writer.depositWithPermit(wallet, margin + minExecutionFee)) await sendAndWait(tx);

// One read before the trade: the fill with fee and impact, the position after it, its ADL place.
const preview = await reader.previewTrade(account.address, ETH, size, margin);
console.log(
  `preview: fill at ${formatUnits(preview.executionPrice, 18)} (fee ${formatUnits(preview.fee, 6)}, impact ${formatUnits(preview.impact, 6)}), ` +
    `liquidation at ${formatUnits(preview.liquidationPrice, 18)}, ADL rank ${preview.rank} of ${preview.sideCount} (${preview.quantile}/5 lights)`,
);

// The order: escrows margin and fee now; a keeper fills it at the first price published after it.
const order = await writer.marketOrder({ account: account.address, marketId: ETH, sizeDelta: size, marginIn: margin });
await sendAndWait(order.tx);
const pending = await reader.pendingOrders(account.address);
console.log(
  `pending order ${pending.at(-1).orderId}: buy ${formatUnits(size, 18)} ETH at most ${formatUnits(order.request.acceptablePrice, 18)}`,
);

// Any revert decodes to the protocol's custom error.
await send(wallet, writer.withdraw(parseUnits("1000000", 6), account.address)).catch((error) => {
  console.log(`withdrawing 1,000,000 reverts with ${decodeProtocolError(error)?.errorName}`);
});
