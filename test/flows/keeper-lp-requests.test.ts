// The keeper settles LP requests on its tick, once they are due, through the same strategy and
// sender the daemon runs.
import { expect } from "chai";
import { network } from "hardhat";
import type { Registry } from "prom-client";
import { embeddedKeeper } from "../../scripts/lib/embeddedKeeper.ts";
import { devPrivateKey } from "../../scripts/lib/localChain.ts";
import { publishAfterRequests } from "../../scripts/lib/lpRequests.ts";
import { deployMarket } from "../helpers/inProcessMarket.ts";

const { ethers, provider } = await network.create();
const usd = (n: number) => BigInt(n) * 10n ** 6n;

async function metric(registry: Registry, name: string) {
  return (await registry.getSingleMetric(name)!.get()).values[0]?.value;
}

describe("keeper LP requests", () => {
  it("indexes requests, settles them once due and only then, and counts them", async () => {
    const { vault, token, feed, addressBook, signers } = await deployMarket(ethers, usd(40_000));
    const [lp, keeper, newcomer] = signers;
    await token.mint(newcomer.address, usd(10_000));
    await token.connect(newcomer).approve(await vault.getAddress(), ethers.MaxUint256);
    await vault.connect(newcomer).requestDeposit(usd(10_000), newcomer.address);
    const lpShares = await vault.balanceOf(lp.address);
    await vault.connect(lp).requestRedeem(lpShares / 4n, lp.address);
    const { tick, metrics } = await embeddedKeeper(provider, addressBook, devPrivateKey(signers.indexOf(keeper)));

    // Too recent: the keeper sends nothing.
    const nonce = await ethers.provider.getTransactionCount(keeper.address);
    await tick();
    expect(await ethers.provider.getTransactionCount(keeper.address)).to.equal(nonce);
    expect(await metric(metrics.registry, "keeper_lp_requests_pending")).to.equal(2); // the seeding deposit settled already

    // Due once the delay passed and the feed published after the requests.
    const lpTokens = await token.balanceOf(lp.address);
    await publishAfterRequests(ethers.provider, vault, [feed]);
    await tick();
    expect((await vault.balanceOf(newcomer.address)) > 0n).to.equal(true);
    expect(await vault.balanceOf(lp.address)).to.equal(lpShares - lpShares / 4n);
    expect((await token.balanceOf(lp.address)) - lpTokens > usd(9_000)).to.equal(true);
    expect(await metric(metrics.registry, "keeper_lp_requests_settled_total")).to.equal(2);
    expect(await metric(metrics.registry, "keeper_lp_requests_pending")).to.equal(0);

    // Nothing left: the next tick sends nothing.
    const after = await ethers.provider.getTransactionCount(keeper.address);
    await tick();
    expect(await ethers.provider.getTransactionCount(keeper.address)).to.equal(after);
  });
});
