// Deploys the protocol with Hardhat Ignition and writes the address book that the keeper and
// frontends read. Ignition journals every transaction in ignition/deployments/<deployment id>, so a
// deploy that stops halfway (an underfunded key, a dropped RPC) resumes where it stopped when run
// again, and a finished deployment run again changes nothing.
//
//   npm run deploy:local                                   deploy/local.json on localhost
//   DEPLOY_CONFIG=deploy/sepolia.json npm run deploy:testnet
//
// Environment:
//   DEPLOY_CONFIG   the deploy config (deploy/local.json on localhost; required elsewhere)
//   DEPLOYMENT_ID   the Ignition deployment id (chain-<chainId>); a new id is a new deployment
//   ADDRESS_BOOK    where to write the book (deployments/<deployment id>.json); a book of another
//                   deployment is never overwritten
//   TESTNET_RPC_URL, DEPLOYER_PRIVATE_KEY   for --network testnet (or Hardhat's keystore)
//
// Refused with one line: a config for another chain than the RPC's (so deploy:testnet cannot land
// on a local node by mistake), a malformed DEPLOYER_PRIVATE_KEY, a book path held by another deployment.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import hre, { network } from "hardhat";
import { protocolModule } from "../ignition/modules/Protocol.ts";
import { writeAddressBook } from "./lib/addressBook.ts";
import { DeployError, loadDeploySpec } from "./lib/deploySpec.ts";
import { bookFromJournal } from "./lib/ignitionBook.ts";
import { dropUnsentTransactions } from "./lib/ignitionJournal.ts";

async function main() {
  const key = process.env.DEPLOYER_PRIVATE_KEY;
  // Hardhat reports a malformed key as an internal error; say what is wrong instead (never echoing it).
  if (key !== undefined && key !== "" && !/^(0x)?[0-9a-fA-F]{64}$/.test(key)) {
    throw new DeployError("DEPLOYER_PRIVATE_KEY is not a 32-byte hex private key (64 hex digits, optionally 0x-prefixed)");
  }
  const connection = await network.create();
  const specPath = process.env.DEPLOY_CONFIG ?? (connection.networkName === "localhost" ? "deploy/local.json" : undefined);
  if (!specPath)
    throw new DeployError(`set DEPLOY_CONFIG to the deploy config for network ${connection.networkName} (e.g. deploy/sepolia.json)`);
  const spec = loadDeploySpec(specPath);

  let chainId: number;
  try {
    chainId = Number(await connection.provider.request({ method: "eth_chainId" }));
  } catch (error) {
    throw new DeployError(`network ${connection.networkName} does not answer: ${(error as Error).message.split("\n")[0]}`);
  }
  if (chainId !== spec.chainId) {
    throw new DeployError(
      `${specPath} is for chain ${spec.chainId} but network ${connection.networkName} is chain ${chainId}; refusing to deploy (a config with "chainId": ${chainId} deploys there on purpose)`,
    );
  }

  const deploymentId = process.env.DEPLOYMENT_ID ?? `chain-${chainId}`;
  const bookPath = process.env.ADDRESS_BOOK ?? `deployments/${deploymentId}.json`;
  const heldBy = existsSync(bookPath)
    ? (JSON.parse(readFileSync(bookPath, "utf8")) as { deploymentId?: string; chainId?: number })
    : undefined;
  if (heldBy && (heldBy.deploymentId !== deploymentId || heldBy.chainId !== chainId)) {
    throw new DeployError(
      `${bookPath} is the address book of deployment ${heldBy.deploymentId ?? "(unknown)"} on chain ${heldBy.chainId}; it is kept: choose another ADDRESS_BOOK or DEPLOYMENT_ID`,
    );
  }

  const deploymentDir = join(hre.config.paths.ignition, "deployments", deploymentId);
  for (const future of await dropUnsentTransactions(deploymentDir, connection.provider)) {
    console.log(`${future}: its last send never reached the chain; sending it again`);
  }
  await connection.ignition.deploy(protocolModule(spec), { deploymentId, displayUi: true });
  const book = bookFromJournal(deploymentDir, deploymentId, chainId, spec);
  if (heldBy && (heldBy as { engine?: string }).engine !== book.engine) {
    // Same id, different engine: the journal was wiped and the system deployed afresh.
    throw new DeployError(`${bookPath} names another engine than deployment ${deploymentId} now has; it is kept: pass a new ADDRESS_BOOK`);
  }
  await writeAddressBook(bookPath, book);
  console.log(`Deployment ${deploymentId} on chain ${chainId}: address book written to ${bookPath}`);
}

try {
  await main();
} catch (error) {
  // One line for what the operator can fix; Ignition's own errors keep their first line.
  process.stderr.write(`deploy: ${(error as Error).message.split("\n")[0]}\n`);
  process.exitCode = 2;
}
