// Reading a transaction's engine events and a batch's skip reasons back as plain objects.
import type { Interface } from "ethers";

interface Receipt {
  logs: { topics: readonly string[]; data: string }[];
}

/** The args of every `name` event the contract emitted in `receipt`, in log order. */
export function eventsOf(contract: { interface: Interface }, receipt: Receipt | null, name: string): Record<string, any>[] {
  if (!receipt) throw new Error("no receipt");
  return receipt.logs
    .map((log) => {
      try {
        return contract.interface.parseLog(log);
      } catch {
        return null;
      }
    })
    .filter((e) => e?.name === name)
    .map((e) => e!.args.toObject());
}

/** Decodes a LiquidationSkipped reason into the custom error's name and arguments. */
export function decodeReason(contract: { interface: Interface }, reason: string) {
  const error = contract.interface.parseError(reason);
  if (!error) throw new Error(`undecodable reason ${reason}`);
  return { name: error.name, args: [...error.args] };
}
