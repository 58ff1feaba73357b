// Follows the engine's events in order and keeps what a replay reports: the book of open
// positions (from PositionUpdated, which carries the full state), the funding index, each side's
// ADL debt and bankruptcy price, the liquidations, and every ADL run with the book as it stood
// just before it, so the policies can be compared on exactly the book the contracts saw.
import type { Interface, LogDescription } from "ethers";
import { abs } from "../../client/math.ts";
import type { AdlSetting, BookPosition } from "../book.ts";

export type LiquidationKind = "partial" | "full" | "bankrupt";

export interface LiquidationRecord {
  step: number;
  id: bigint;
  kind: LiquidationKind;
  closedSize: bigint;
  deficit: bigint;
}

export interface FillRecord {
  step: number;
  id: bigint;
  isLong: boolean;
  closedSize: bigint;
  fillPrice: bigint;
  haircut: bigint;
  remainingDebt: bigint;
}

/** One bankruptcy-mode ADL run: inside a liquidation (after DeficitUncovered) or a keeper's deleverage call. */
export interface RunRecord {
  step: number;
  kind: "inline" | "deleverage";
  /** The bankrupt position whose deficit opened an inline run. */
  bankruptId?: bigint;
  /** The deficit this liquidation added (inline runs). */
  newDeficit?: bigint;
  setting: AdlSetting;
  /** The payer side's positions just before the run. */
  book: BookPosition[];
  fills: FillRecord[];
  /** Debt left when the run ended, before any borne by the vault. */
  endDebt: bigint;
  borneByVault: bigint;
}

export interface RawLog {
  topics: string[];
  data: string;
  transactionHash: string;
}

export class EventTracker {
  readonly book = new Map<bigint, BookPosition>();
  fundingIndex = 0n;
  private readonly debt = { long: 0n, short: 0n };
  private readonly debtPrice = { long: 0n, short: 0n };

  private readonly iface: Interface;
  private readonly valueDivisor: bigint;

  constructor(iface: Interface, valueDivisor: bigint) {
    this.iface = iface;
    this.valueDivisor = valueDivisor;
  }

  debtOf(isLong: boolean) {
    return this.debt[isLong ? "long" : "short"];
  }

  /** Applies one step's engine logs (in chain order) at the step's oracle price. */
  apply(logs: RawLog[], step: number, price: bigint) {
    const liquidations: LiquidationRecord[] = [];
    const poolFills: FillRecord[] = [];
    const runs: RunRecord[] = [];
    let run: RunRecord | undefined;
    let txStart: Map<bigint, BookPosition> | undefined;
    let tx = "";
    const hasFill = new Set(logs.filter((l) => this.parse(l)?.name === "AdlFill").map((l) => l.transactionHash));
    const side = (isLong: boolean) => (isLong ? "long" : "short");
    const payerBook = (positions: Map<bigint, BookPosition>, isLong: boolean) =>
      [...positions.values()].filter((p) => p.size > 0n === isLong);
    const setting = (isLong: boolean, deficit: bigint): AdlSetting => ({
      price,
      fundingIndex: this.fundingIndex,
      valueDivisor: this.valueDivisor,
      payerIsLong: isLong,
      deficit,
      debtPrice: this.debtPrice[side(isLong)],
    });

    for (const log of logs) {
      if (log.transactionHash !== tx) {
        tx = log.transactionHash;
        // A deleverage call's run starts before its first event: keep the book as the call found it.
        txStart = hasFill.has(tx) ? new Map(this.book) : undefined;
      }
      const e = this.parse(log);
      if (!e) continue;
      const a = e.args;
      switch (e.name) {
        case "PositionUpdated":
          if (a.size === 0n) this.book.delete(a.positionId);
          else
            this.book.set(a.positionId, {
              id: a.positionId,
              account: a.account,
              size: a.size,
              margin: a.margin,
              entryPrice: a.entryPrice,
              fundingSnapshot: a.fundingSnapshot,
            });
          break;
        case "FundingAccrued":
          this.fundingIndex = a.fundingIndex;
          break;
        case "Liquidated": {
          const before = this.book.get(a.positionId);
          const kind: LiquidationKind = a.deficit > 0n ? "bankrupt" : before && abs(before.size) === abs(a.closedSize) ? "full" : "partial";
          liquidations.push({ step, id: a.positionId, kind, closedSize: abs(a.closedSize), deficit: a.deficit });
          break;
        }
        case "DeficitUncovered":
          run = {
            step,
            kind: "inline",
            bankruptId: a.positionId,
            newDeficit: a.amount,
            setting: setting(a.payerIsLong, a.totalDebt),
            book: payerBook(this.book, a.payerIsLong),
            fills: [],
            endDebt: a.totalDebt,
            borneByVault: 0n,
          };
          break;
        case "AdlFill": {
          const fill: FillRecord = {
            step,
            id: a.positionId,
            isLong: a.isLong,
            closedSize: a.closedSize,
            fillPrice: a.fillPrice,
            haircut: a.haircut,
            remainingDebt: a.remainingDebt,
          };
          if (!run && this.debtOf(a.isLong) > 0n) {
            run = {
              step,
              kind: "deleverage",
              setting: setting(a.isLong, this.debtOf(a.isLong)),
              book: payerBook(txStart ?? this.book, a.isLong),
              fills: [],
              endDebt: 0n,
              borneByVault: 0n,
            };
          }
          if (run) run.fills.push(fill);
          else poolFills.push(fill);
          break;
        }
        case "DeficitBorneByVault":
          if (run) run.borneByVault += a.amount;
          break;
        case "AdlDebtChanged":
          if (run && run.setting.payerIsLong === a.isLong) {
            run.endDebt = run.fills.at(-1)?.remainingDebt ?? run.setting.deficit;
            runs.push(run);
            run = undefined;
          }
          this.debt[side(a.isLong)] = a.debt;
          this.debtPrice[side(a.isLong)] = a.bankruptcyPrice;
          break;
      }
    }
    if (run) runs.push(run); // a run always ends with AdlDebtChanged; kept in case a module changes that
    return { liquidations, poolFills, runs };
  }

  private parse(log: RawLog): (LogDescription & { args: Record<string, any> }) | null {
    try {
      return this.iface.parseLog(log) as (LogDescription & { args: Record<string, any> }) | null;
    } catch {
      return null;
    }
  }
}
