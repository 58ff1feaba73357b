// The solvency check: the engine must hold at least every ledger it owes. Accounts come from the
// engine's own BalanceChanged events, so an account the demo did not create still counts.
import type { PerpEngine, TestToken } from "../../types/ethers-contracts/index.ts";

/** Every account's free balance and every position's margin come from the engine's events since `fromBlock`. */
export async function solvencyOf(engine: PerpEngine, token: TestToken, fromBlock: number) {
  const accounts = new Set((await engine.queryFilter(engine.filters.BalanceChanged(), fromBlock)).map((e) => e.args.account));
  const positions = new Set((await engine.queryFilter(engine.filters.PositionUpdated(), fromBlock)).map((e) => e.args.positionId));
  // Price impact is paid into the vault's cash; the market's impact pool only caps later rebates.
  let owed = (await engine.insuranceFund()) + (await engine.vaultCash()) + (await engine.orderEscrow());
  for (const balance of await Promise.all([...accounts].map((a) => engine.freeBalance(a)))) owed += balance;
  for (const position of await Promise.all([...positions].map((id) => engine.position(id)))) owed += position.margin;
  const held = await token.balanceOf(await engine.getAddress());
  return { held, owed, solvent: held >= owed };
}
