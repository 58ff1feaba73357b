// Lets Ignition resume a deployment whose last send never left the machine. When a send fails
// before broadcast (the key cannot pay for it: "Sender doesn't have enough funds"), Ignition has
// already journalled the nonce it meant to use, and on the next run refuses to go on
// (HHE10410, "transaction lost", asking for a hash that does not exist). If the account's nonce on
// the chain shows that nonce was never used, nothing was sent: the dangling entry is dropped so the
// run prepares that transaction again. A nonce that was used is left alone (Ignition's track-tx).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

interface Entry {
  type: string;
  futureId?: string;
  networkInteractionId?: number;
  nonce?: number;
  from?: string;
}

type Rpc = { request(args: { method: string; params?: unknown[] }): Promise<unknown> };

/** Drops journalled sends that never reached the chain; returns the futures they belonged to. */
export async function dropUnsentTransactions(deploymentDir: string, provider: Rpc): Promise<string[]> {
  const path = join(deploymentDir, "journal.jsonl");
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, "utf8").split("\n").filter(Boolean);
  const entries = lines.map((line) => JSON.parse(line) as Entry);
  const key = (e: Entry) => `${e.futureId}/${e.networkInteractionId}`;
  const sent = new Set(entries.filter((e) => e.type === "TRANSACTION_SEND").map(key));
  const senders = new Map(entries.filter((e) => e.from && e.futureId).map((e) => [e.futureId!, e.from!]));
  const unsent = new Set<number>();
  for (const [i, entry] of entries.entries()) {
    if (entry.type !== "TRANSACTION_PREPARE_SEND" || sent.has(key(entry))) continue;
    const from = senders.get(entry.futureId!);
    if (!from) continue;
    const next = Number(await provider.request({ method: "eth_getTransactionCount", params: [from, "pending"] }));
    if (entry.nonce! >= next) unsent.add(i); // that nonce was never used: nothing was broadcast
  }
  if (unsent.size === 0) return [];
  writeFileSync(path, lines.filter((_, i) => !unsent.has(i)).join("\n") + "\n");
  return [...unsent].map((i) => entries[i].futureId!);
}
