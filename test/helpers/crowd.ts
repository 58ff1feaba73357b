// Many throw-away accounts, each opening one small position: how an attacker stuffs an ADL bucket.
// Accounts are impersonated addresses (no key signing) funded in parallel, so a thousand of them
// take seconds rather than minutes.
import { ETH, ethers, farDeadline, networkHelpers } from "./fixture.ts";

type Fixture = Awaited<ReturnType<typeof import("./fixture.ts").protocolFixture>>;
const CHUNK = 100;

async function inChunks<T>(items: T[], work: (item: T) => Promise<unknown>, beforeChunk?: () => Promise<unknown>) {
  for (let i = 0; i < items.length; i += CHUNK) {
    if (beforeChunk) await beforeChunk();
    await Promise.all(items.slice(i, i + CHUNK).map(work));
  }
}

/**
 * `count` fresh accounts, each opening `size` with `margin` (taken from a deposit of exactly
 * `margin`) at the current price and hint 0. Returns their position ids in account order. The feed
 * is re-posted before each chunk of opens, so the price never goes stale over the ~4 seconds of
 * chain time each account takes.
 */
export async function crowdOpen(base: Pick<Fixture, "engine" | "token" | "feed">, count: number, size: bigint, margin: bigint, offset = 0) {
  const { engine, token, feed } = base;
  const [, answer] = await feed.latestRoundData();
  const engineAddress = await engine.getAddress();
  const addresses = Array.from({ length: count }, (_, i) => ethers.toBeHex(0xa77ac0000n + BigInt(offset + i), 20));
  await inChunks(addresses, async (a) => {
    await networkHelpers.impersonateAccount(a);
    await networkHelpers.setBalance(a, 10n ** 20n);
  });
  await inChunks(addresses, (a) => token.mint(a, margin));
  const deadline = (await farDeadline()) + 100_000n;
  await inChunks(
    addresses,
    async (a) => {
      const signer = await ethers.getSigner(a);
      await token.connect(signer).approve(engineAddress, margin);
      await engine.connect(signer).deposit(margin);
      await engine.connect(signer).openPosition(ETH, size, margin, size > 0n ? ethers.MaxUint256 : 0n, deadline, 0);
    },
    () => feed.setAnswer(answer),
  );
  return Promise.all(addresses.map((a) => engine.positionIdOf(a, ETH)));
}
