// The keeper's start-up check of the address book: an address with no code, or with code that is
// not the contract the book says, stops it with one line instead of a loop of failing ticks.
import { expect } from "chai";
import { network } from "hardhat";
import { ConfigError } from "../../keeper/config.ts";
import { checkAddressBook } from "../../keeper/preflight.ts";
import { inProcessClient } from "../../scripts/lib/embeddedKeeper.ts";
import { deployMarket } from "../helpers/inProcessMarket.ts";

const { ethers, provider } = await network.create();
const client = inProcessClient(provider);
const NOWHERE = "0x000000000000000000000000000000000000dEaD";

async function failure(check: Promise<void>): Promise<string> {
  const error = await check.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).to.be.instanceOf(ConfigError);
  const message = (error as Error).message;
  expect(message.split("\n")).to.have.length(1);
  return message;
}

describe("keeper start-up check of the address book", () => {
  it("passes a book that matches the chain, and names the first address that does not", async () => {
    const { addressBook: book } = await deployMarket(ethers, 0n);
    await checkAddressBook(client, book, "book.json");
    expect(await failure(checkAddressBook(client, { ...book, engine: NOWHERE }, "book.json"))).to.equal(
      `address book book.json: engine ${NOWHERE} has no code on chain 31337; is the book from this deployment?`,
    );
    // Code, but not a lens: the token does not answer engine().
    expect(await failure(checkAddressBook(client, { ...book, lens: book.collateralToken }, "book.json"))).to.match(
      /^address book book\.json: lens 0x\w+ does not answer engine\(\)/,
    );
    // A book of another deployment on the same chain: the lens points at the other engine.
    const other = (await deployMarket(ethers, 0n)).addressBook;
    expect(await failure(checkAddressBook(client, { ...book, lens: other.lens }, "book.json"))).to.match(
      new RegExp(`lens ${other.lens} answers engine\\(\\) = ${other.engine}, not ${book.engine}`),
    );
    const market = { ...book.markets[0], oracle: other.markets[0].oracle };
    expect(await failure(checkAddressBook(client, { ...book, markets: [market] }, "book.json"))).to.match(
      /market ETH \(#0\) oracle 0x\w+ is not the engine's/,
    );
  });
});
