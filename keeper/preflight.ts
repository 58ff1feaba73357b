// Start-up check of the address book against the chain: every address must hold code and answer
// as the contract the book says it is, and the contracts must point at each other. A stale book (a
// redeploy, another chain) stops the keeper with one line, instead of a loop of failing ticks.
import { type PublicClient, erc20Abi, isAddressEqual } from "viem";
import type { AddressBook } from "../scripts/lib/addressBook.ts";
import { chainlinkPriceOracleAbi, liquidityVaultAbi, perpEngineAbi, perpLensAbi } from "../sdk/src/abis.ts";
import { ConfigError } from "./config.ts";

interface Probe {
  role: string;
  address: `0x${string}`;
  functionName: string;
  /** The typed read of `functionName` at `address`: an address, or a number the probe only needs answered. */
  read: () => Promise<`0x${string}` | number | bigint>;
  /** What the answer must be, when it names another contract of the book. */
  expect?: `0x${string}`;
}

export async function checkAddressBook(client: PublicClient, book: AddressBook, path: string): Promise<void> {
  const { engine, lens, vault, collateralToken } = book;
  const probes: Probe[] = [
    {
      role: "engine",
      address: engine,
      functionName: "collateralToken",
      read: () => client.readContract({ address: engine, abi: perpEngineAbi, functionName: "collateralToken" }),
      expect: collateralToken,
    },
    {
      role: "lens",
      address: lens,
      functionName: "engine",
      read: () => client.readContract({ address: lens, abi: perpLensAbi, functionName: "engine" }),
      expect: engine,
    },
    {
      role: "vault",
      address: vault,
      functionName: "engine",
      read: () => client.readContract({ address: vault, abi: liquidityVaultAbi, functionName: "engine" }),
      expect: engine,
    },
    {
      role: "collateralToken",
      address: collateralToken,
      functionName: "decimals",
      read: () => client.readContract({ address: collateralToken, abi: erc20Abi, functionName: "decimals" }),
    },
    // latestPublishTime is IPriceOracle's, so Chainlink and Pyth adapters both answer it.
    ...book.markets.map((m) => ({
      role: `market ${m.name} oracle`,
      address: m.oracle,
      functionName: "latestPublishTime",
      read: () => client.readContract({ address: m.oracle, abi: chainlinkPriceOracleAbi, functionName: "latestPublishTime" }),
    })),
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
      p.read().then(
        (answer) => ({ answer }),
        () => undefined,
      ),
    ),
  );
  probes.forEach((probe, i) => {
    const answer = answers[i];
    if (!answer) throw fail(probe, `does not answer ${probe.functionName}()`);
    if (probe.expect && (typeof answer.answer !== "string" || !isAddressEqual(answer.answer, probe.expect))) {
      throw fail(probe, `answers ${probe.functionName}() = ${answer.answer}, not ${probe.expect}`);
    }
  });
  // The book's oracles must be the ones the engine prices its markets with.
  const configs = await Promise.all(
    book.markets.map((m) =>
      client
        .readContract({ address: book.engine, abi: perpEngineAbi, functionName: "marketConfig", args: [m.marketId] })
        .catch(() => undefined),
    ),
  );
  book.markets.forEach((m, i) => {
    const oracle = configs[i]?.oracle;
    if (!oracle || !isAddressEqual(oracle, m.oracle)) {
      throw new ConfigError(
        `address book ${path}: market ${m.name} (#${m.marketId}) oracle ${m.oracle} is not the engine's (${oracle ?? "no such market"})`,
      );
    }
  });
}
