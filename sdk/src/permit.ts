// EIP-2612 permits for the collateral token: a deposit in one transaction (no separate approve)
// when the token supports them, found out from the token itself rather than assumed.
import {
  domainSeparator,
  parseSignature,
  type Account,
  type Address,
  type Chain,
  type Client,
  type Hex,
  type Transport,
  type TypedDataDomain,
} from "viem";
import { readContract, signTypedData } from "viem/actions";
import { erc20PermitAbi } from "./abis.js";

const PERMIT_TYPES = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

/**
 * The token's EIP-712 domain when it supports EIP-2612, else null. The domain comes from ERC-5267
 * `eip712Domain()` when the token has it, else from `name()` with version "1" or "2" (USDC); it
 * counts only when it hashes to the token's own DOMAIN_SEPARATOR, so a wrong guess is never signed.
 */
export async function permitDomain(client: Client, token: Address, chainId: number): Promise<TypedDataDomain | null> {
  const read = <T>(functionName: "DOMAIN_SEPARATOR" | "eip712Domain" | "name") =>
    readContract(client, { address: token, abi: erc20PermitAbi, functionName }).then(
      (value) => value as T,
      () => undefined,
    );
  const separator = await read<Hex>("DOMAIN_SEPARATOR");
  if (!separator) return null;
  const candidates: TypedDataDomain[] = [];
  const declared = await read<readonly [Hex, string, string, bigint, Address, Hex, readonly bigint[]]>("eip712Domain");
  if (declared) candidates.push({ name: declared[1], version: declared[2], chainId: Number(declared[3]), verifyingContract: declared[4] });
  const name = await read<string>("name");
  if (name !== undefined) for (const version of ["1", "2"]) candidates.push({ name, version, chainId, verifyingContract: token });
  return candidates.find((domain) => domainSeparator({ domain }) === separator) ?? null;
}

/** The wallet's signed permit for `spender` to pull `value` until `deadline`, split as the contract takes it. */
export async function signPermit(
  wallet: Client<Transport, Chain | undefined, Account>,
  domain: TypedDataDomain,
  spender: Address,
  value: bigint,
  deadline: bigint,
): Promise<{ v: number; r: Hex; s: Hex }> {
  const owner = wallet.account.address;
  const nonce = await readContract(wallet, {
    address: domain.verifyingContract!,
    abi: erc20PermitAbi,
    functionName: "nonces",
    args: [owner],
  });
  const signature = await signTypedData(wallet, {
    account: wallet.account,
    domain,
    types: PERMIT_TYPES,
    primaryType: "Permit",
    message: { owner, spender, value, nonce, deadline },
  });
  const { r, s, v, yParity } = parseSignature(signature);
  return { r, s, v: Number(v ?? BigInt(yParity + 27)) };
}
