import { readFile, writeFile, mkdir } from "node:fs/promises";
import { dirname } from "node:path";

/** What a deployment writes and what the keeper and frontends read. */
export interface AddressBook {
  chainId: number;
  deploymentBlock: number;
  engine: `0x${string}`;
  vault: `0x${string}`;
  lens: `0x${string}`;
  collateralToken: `0x${string}`;
  markets: { marketId: number; name: string; oracle: `0x${string}`; feed: `0x${string}` }[];
}

export async function writeAddressBook(path: string, book: AddressBook): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, JSON.stringify(book, null, 2) + "\n");
}

export async function readAddressBook(path: string): Promise<AddressBook> {
  return JSON.parse(await readFile(path, "utf8")) as AddressBook;
}
