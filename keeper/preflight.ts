// Start-up check of the address book against the chain: every address must hold code and answer
// as the contract the book says it is, and the contracts must point at each other. A stale book (a
// redeploy, another chain) stops the keeper with one line, instead of a loop of failing ticks.
import { type Abi, type PublicClient, erc20Abi, isAddressEqual } from "viem";
import type { AddressBook } from "../scripts/lib/addressBook.ts";
import { ConfigError } from "./config.ts";
import { engineAbi, oracleAbi } from "./contracts.ts";

const pointsAtEngine = [{ type: "function", name: "engine", stateMutability: "view", inputs: [], outputs: [{ type: "address" }] }] as const;

interface Probe {
  role: string;
  address: `0x${string}`;
  abi: Abi;
  functionName: string;
  /** What the answer must be, when it names another contract of the book. */
  expect?: `0x${string}`;
}

export async function checkAddressBook(client: PublicClient, book: AddressBook, path: string): Promise<void> {
  const probes: Probe[] = [
    { role: "engine", address: book.engine, abi: engineAbi, functionName: "collateralToken", expect: book.collateralToken },
    { role: "lens", address: book.lens, abi: pointsAtEngine, functionName: "engine", expect: book.engine },
    { role: "vault", address: book.vault, abi: pointsAtEngine, functionName: "engine", expect: book.engine },
    { role: "collateralToken", address: book.collateralToken, abi: erc20Abi, functionName: "decimals" },
    // latestPublishTime is IPriceOracle's, so Chainlink and Pyth adapters both answer it.
    ...book.markets.map((m) => ({ role: `market ${m.name} oracle`, address: m.oracle, abi: oracleAbi, functionName: "latestPublishTime" })),
  ];
  const fail = (probe: Probe, why: string) =>
    new ConfigError(
      `address book ${path}: ${probe.role} ${probe.address} ${why} on chain ${book.chainId}; is the book from this deployment?`,
    );
  const codes = await Promise.all(probes.map((p) => client.getCode({ address: p.address })));
  probes.forEach((probe, i) => {
    if (!codes[i] || codes[i] === "0x") throw fail(probe, "has no code");
  });
  const answers = await Promise.all(
    probes.map((p) =>
      client.readContract({ address: p.address, abi: p.abi, functionName: p.functionName }).then(
        (answer) => ({ answer }),
        () => undefined,
      ),
    ),
  );
  probes.forEach((probe, i) => {
    const answer = answers[i];
    if (!answer) throw fail(probe, `does not answer ${probe.functionName}()`);
    if (probe.expect && !isAddressEqual(answer.answer as `0x${string}`, probe.expect)) {
      throw fail(probe, `answers ${probe.functionName}() = ${answer.answer as string}, not ${probe.expect}`);
    }
  });
  // The book's oracles must be the ones the engine prices its markets with.
  const configs = await Promise.all(
    book.markets.map((m) =>
      client
        .readContract({ address: book.engine, abi: engineAbi, functionName: "marketConfig", args: [m.marketId] })
        .catch(() => undefined),
    ),
  );
  book.markets.forEach((m, i) => {
    const oracle = (configs[i] as { oracle: `0x${string}` } | undefined)?.oracle;
    if (!oracle || !isAddressEqual(oracle, m.oracle)) {
      throw new ConfigError(
        `address book ${path}: market ${m.name} (#${m.marketId}) oracle ${m.oracle} is not the engine's (${oracle ?? "no such market"})`,
      );
    }
  });
}
