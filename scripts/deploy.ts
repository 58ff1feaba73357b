// Deploys the protocol to the network Hardhat is pointed at and writes the address book that the
// keeper and frontends read: deployments/<chainId>.json.
//
//   TESTNET_RPC_URL=... DEPLOYER_PRIVATE_KEY=0x... npm run deploy:testnet
//
// Optional environment:
//   SETTLEMENT_TOKEN  an existing 6-18 decimal token (a mintable TestToken is deployed otherwise)
//   ETH_USD_FEED      an existing Chainlink ETH/USD feed (a SettableAggregator at $3,000 otherwise)
//   GUARDIAN          the address allowed to pause new risk
//   ADDRESS_BOOK      where to write the address book
import { network } from "hardhat";
import { writeAddressBook } from "./lib/addressBook.ts";
import { deployProtocol } from "./lib/deployProtocol.ts";

const { ethers } = await network.create();
const feed = process.env.ETH_USD_FEED;
for (const [name, value] of [
  ["SETTLEMENT_TOKEN", process.env.SETTLEMENT_TOKEN],
  ["ETH_USD_FEED", feed],
  ["GUARDIAN", process.env.GUARDIAN],
]) {
  if (value !== undefined && !ethers.isAddress(value)) throw new Error(`${name} is not an address: ${value}`);
}

const { addressBook } = await deployProtocol(ethers, {
  collateralToken: process.env.SETTLEMENT_TOKEN,
  markets: [{ name: "ETH", feed, initialAnswer: 3000_00000000n }],
  guardian: process.env.GUARDIAN,
});
const path = process.env.ADDRESS_BOOK ?? `deployments/${addressBook.chainId}.json`;
await writeAddressBook(path, addressBook);
console.log(`Deployed on chain ${addressBook.chainId}; address book written to ${path}`);
console.log(JSON.stringify(addressBook, null, 2));
