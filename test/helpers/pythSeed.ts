// Seeds the vault of a protocol whose market is priced by Pyth (a local MockPyth): an LP deposit
// is a request that settles only once the market has published after it, and on Pyth a price is
// published by pushing a signed update. Chainlink markets use scripts/lib/lpRequests.ts.
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { Hex } from "viem";
import { encodeMockPythUpdate } from "../../scripts/lib/mockPythUpdate.ts";
import { requestIdOf } from "../../scripts/lib/lpRequests.ts";
import type { deployTestProtocol } from "./testProtocol.ts";

type Vault = Awaited<ReturnType<typeof deployTestProtocol>>["vault"];

/** Requests `assets` from `lp`, waits MIN_REQUEST_DELAY, pushes `price` (8 decimals) as now, settles. */
export async function depositOnPythMarket(
  ethers: HardhatEthers,
  vault: Vault,
  lp: HardhatEthersSigner,
  assets: bigint,
  market: { oracle: { getAddress(): Promise<string> } },
  price: bigint,
) {
  const oracle = await ethers.getContractAt("PythPriceOracle", await market.oracle.getAddress());
  const id = await requestIdOf(vault, await vault.connect(lp).requestDeposit(assets, lp.address));
  await ethers.provider.send("evm_increaseTime", [Number(await vault.MIN_REQUEST_DELAY())]);
  await ethers.provider.send("evm_mine", []);
  const publishTime = (await ethers.provider.getBlock("latest"))!.timestamp;
  const update = encodeMockPythUpdate({
    id: (await oracle.priceId()) as Hex,
    price,
    conf: 10n ** 6n,
    expo: -8,
    publishTime,
    prevPublishTime: publishTime - 1,
  });
  const fee = await oracle.updateFee(ethers.AbiCoder.defaultAbiCoder().encode(["bytes[]"], [[update]]));
  await (await oracle.connect(lp).updatePrice([update], { value: fee })).wait();
  await (await vault.connect(lp).settleRequest(id)).wait();
}
