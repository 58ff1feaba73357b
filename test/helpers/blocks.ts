// Several transactions mined in one block, in the order sent: same timestamp, so the same funding
// index and no funding accrued between them.
import { ethers } from "./fixture.ts";

/** Enough for any single engine call here; set explicitly because nothing can be estimated ahead. */
export const GAS = { gasLimit: 3_000_000 };

/** Sends each transaction with automine off, then mines them all in one block. */
export async function inOneBlock(sends: (() => Promise<{ wait(): Promise<unknown> }>)[]) {
  await ethers.provider.send("evm_setAutomine", [false]);
  try {
    const sent = [];
    for (const send of sends) sent.push(await send());
    await ethers.provider.send("evm_mine", []);
    return await Promise.all(sent.map((tx) => tx.wait()));
  } finally {
    await ethers.provider.send("evm_setAutomine", [true]);
  }
}
