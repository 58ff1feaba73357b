// The injected wallet (EIP-1193 window.ethereum): asks for an account and wraps it in a viem wallet
// client that the SDK's `send` uses (it checks the chain, estimates with headroom, then sends).
import { createWalletClient, custom, getAddress, type Account, type Chain, type Client, type EIP1193Provider, type Transport } from "viem";

export type Wallet = Client<Transport, Chain | undefined, Account>;

declare global {
  interface Window {
    ethereum?: EIP1193Provider;
  }
}

export async function connectWallet(): Promise<Wallet> {
  const provider = window.ethereum;
  if (!provider) throw new Error("No browser wallet found (window.ethereum): install or enable one to trade");
  const accounts = (await provider.request({ method: "eth_requestAccounts" })) as string[];
  if (accounts.length === 0) throw new Error("The wallet shared no account");
  return createWalletClient({ account: getAddress(accounts[0]), transport: custom(provider) });
}
