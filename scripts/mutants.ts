// The hand-made mutants `npm run mutate` (scripts/mutate.ts) applies, one at a time, to the money,
// liquidation and ADL code. Each replaces `search`, which must occur exactly once in `file`, by
// `replace`, and names the tests that must fail because of it: a targeted set, so that each run
// stays short. A mocha target may narrow its file to the tests whose titles match `grep`.

export interface MochaTarget {
  files: string[];
  grep?: string;
}

export interface Mutant {
  id: string;
  file: string;
  search: string;
  replace: string;
  mocha?: MochaTarget;
  solidity?: string[];
}

const POSITION_MATH = "contracts/libraries/PositionMath.sol";
const LIQUIDATION_MATH = "contracts/libraries/LiquidationMath.sol";
const PERP_MATH = "contracts/libraries/PerpMath.sol";
const LIQUIDATION_MODULE = "contracts/modules/LiquidationModule.sol";
const DELEVERAGE = "contracts/modules/Deleverage.sol";
const ADL_QUEUE = "contracts/adl/AdlQueue.sol";
const TRADING = "contracts/core/Trading.sol";
const ORDER_MODULE = "contracts/modules/OrderModule.sol";
const FILL_COST_MATH = "contracts/libraries/FillCostMath.sol";
const ORDER_RULES = "contracts/libraries/OrderRules.sol";

const MATH_FUZZ = "test/solidity/PositionMath.t.sol";
const MATH_BOUNDARIES = "test/solidity/LiquidatableBoundary.t.sol";
const LIQUIDATION_FLOWS = "test/flows/liquidation.test.ts";
const LIQUIDATION_KILLERS = "test/flows/mutant-killers-liquidation.test.ts";
const ADL_FLOWS = "test/flows/adl.test.ts";
const ADL_KILLERS = "test/flows/mutant-killers-adl.test.ts";
const TRADING_FLOWS = "test/flows/trading.test.ts";
const TRADING_KILLERS = "test/flows/mutant-killers-trading.test.ts";
const ORDERS = "test/flows/orders.test.ts";
const ORDERS_IMPACT = "test/flows/orders-impact.test.ts";

export const mutants: Mutant[] = [
  // ─── PositionMath: health and liquidation sizing ───────────────────────────────────────────
  {
    id: "liquidatable-at-maintenance",
    file: POSITION_MATH,
    search: "return h.equity < int256(h.maintenanceMargin);",
    replace: "return h.equity <= int256(h.maintenanceMargin);",
    solidity: [MATH_BOUNDARIES],
  },
  {
    id: "keeper-reward-uncapped",
    file: POSITION_MATH,
    search: "return PerpMath.min(c.keeperRewardFixed + closedNotional.mulWadDown(c.keeperRewardRate), c.keeperRewardCap);",
    replace: "return c.keeperRewardFixed + closedNotional.mulWadDown(c.keeperRewardRate);",
    solidity: [MATH_FUZZ],
  },
  {
    id: "penalty-rounds-down",
    file: POSITION_MATH,
    search: "return closedNotional.mulWadUp(c.liquidationPenaltyRate);",
    replace: "return closedNotional.mulWadDown(c.liquidationPenaltyRate);",
    solidity: [MATH_FUZZ],
  },
  {
    id: "close-size-rounds-down",
    file: POSITION_MATH,
    search: "price * (targetRate - c.liquidationPenaltyRate), Math.Rounding.Ceil);",
    replace: "price * (targetRate - c.liquidationPenaltyRate));",
    mocha: { files: [LIQUIDATION_KILLERS], grep: "least size" },
    solidity: [MATH_FUZZ],
  },
  {
    id: "rounding-slack-dropped",
    file: POSITION_MATH,
    search: "+ LIQUIDATION_ROUNDING_SLACK - uint256(h.equity)",
    replace: "- uint256(h.equity)",
    mocha: { files: [LIQUIDATION_KILLERS], grep: "least size" },
    solidity: [MATH_FUZZ],
  },
  {
    id: "dust-remainder-not-closed",
    file: POSITION_MATH,
    search: "if ((absSize - closeSize).notionalDown(price, divisor) < c.minPositionNotional) return (absSize, true);",
    replace: "",
    mocha: { files: [LIQUIDATION_KILLERS], grep: "dust" },
  },
  {
    id: "chunk-cap-dropped",
    file: POSITION_MATH,
    search: "return (PerpMath.min(closeSize, chunk), false);",
    replace: "return (closeSize, false);",
    mocha: { files: [LIQUIDATION_FLOWS], grep: "at most one chunk" },
  },
  // ─── LiquidationMath: the cut, the reward, the penalty and the insurance draw ──────────────
  {
    id: "bankrupt-reward-not-capped-by-margin",
    file: LIQUIDATION_MATH,
    search: "o.keeperReward = PerpMath.min(PositionMath.keeperReward(c, o.health.notional), marginBefore / 2);",
    replace: "o.keeperReward = PositionMath.keeperReward(c, o.health.notional);",
    mocha: { files: [LIQUIDATION_KILLERS], grep: "margin" },
  },
  {
    id: "insurance-draw-omits-reward",
    file: LIQUIDATION_MATH,
    search: "uint256 owed = o.deficit + o.keeperReward;",
    replace: "uint256 owed = o.deficit;",
    mocha: { files: [LIQUIDATION_KILLERS], grep: "bankrupt" },
  },
  {
    id: "partial-cut-omits-reward",
    file: LIQUIDATION_MATH,
    search: "marginAfter -= int256(o.keeperReward + o.penalty);",
    replace: "marginAfter -= int256(o.penalty);",
    mocha: { files: [LIQUIDATION_FLOWS, LIQUIDATION_KILLERS], grep: "partial" },
  },
  {
    id: "full-close-pays-penalty-before-reward",
    file: LIQUIDATION_MATH,
    search: [
      "o.keeperReward = PerpMath.min(o.keeperReward, remaining);",
      "        remaining -= o.keeperReward;",
      "        o.penalty = PerpMath.min(o.penalty, remaining);",
      "        o.payout = remaining - o.penalty;",
    ].join("\n"),
    replace: [
      "o.penalty = PerpMath.min(o.penalty, remaining);",
      "        remaining -= o.penalty;",
      "        o.keeperReward = PerpMath.min(o.keeperReward, remaining);",
      "        o.payout = remaining - o.keeperReward;",
    ].join("\n"),
    mocha: { files: [LIQUIDATION_FLOWS, LIQUIDATION_KILLERS], grep: "reward first" },
  },
  {
    id: "bankruptcy-price-rounds-toward-counterparty",
    file: LIQUIDATION_MATH,
    search: "int256 cushion = int256(Math.mulDiv(p.margin, divisor, PerpMath.abs(p.size)));",
    replace: "int256 cushion = int256(Math.mulDiv(p.margin, divisor, PerpMath.abs(p.size), Math.Rounding.Ceil));",
    mocha: { files: [ADL_KILLERS], grep: "bankruptcy price" },
  },
  // ─── LiquidationModule: entry points and ledgers ───────────────────────────────────────────
  {
    id: "batch-try-catch-bypassed",
    file: LIQUIDATION_MODULE,
    search: [
      "try ILiquidationModule(address(this)).liquidateFor{gas: gasleft() - BATCH_GAS_RESERVE}(positionIds[i], hint, msg.sender) {",
      "                ++liquidated;",
      "            } catch (bytes memory reason) {",
      "                emit LiquidationSkipped(positionIds[i], reason);",
      "            }",
    ].join("\n"),
    replace: "_liquidate(positionIds[i], hint, msg.sender);\n            ++liquidated;",
    mocha: { files: [LIQUIDATION_FLOWS], grep: "batch liquidation" },
  },
  {
    id: "liquidate-for-callable-by-anyone",
    file: LIQUIDATION_MODULE,
    search: "if (msg.sender != address(this)) revert OnlyEngine(msg.sender);",
    replace: "",
    mocha: { files: [LIQUIDATION_KILLERS], grep: "liquidateFor" },
  },
  {
    id: "insurance-ledger-ignores-draw",
    file: LIQUIDATION_MODULE,
    search: "int256(o.penalty) - int256(o.insuranceDraw),",
    replace: "int256(o.penalty),",
    mocha: { files: [LIQUIDATION_KILLERS], grep: "bankrupt" },
  },
  {
    id: "keeper-reward-not-credited",
    file: LIQUIDATION_MODULE,
    search: "_creditFree(keeper, o.keeperReward);",
    replace: "",
    mocha: { files: [LIQUIDATION_FLOWS], grep: "partially liquidates" },
  },
  // ─── Deleverage: ADL fills ─────────────────────────────────────────────────────────────────
  {
    id: "released-margin-bucket-fallback-removed",
    file: DELEVERAGE,
    search: [
      "if (AdlGrid.bucketOf(restSize, p.margin - released, valueDivisor) != bucket && released < p.margin) {",
      "            uint256 roundedUp = released + 1;",
      "            if (AdlGrid.bucketOf(restSize, p.margin - roundedUp, valueDivisor) == bucket) released = roundedUp;",
      "        }",
    ].join("\n"),
    replace: "",
    mocha: { files: [ADL_KILLERS], grep: "bucket" },
  },
  {
    id: "released-margin-rounds-up",
    file: DELEVERAGE,
    search: "released = Math.mulDiv(p.margin, closeSize, absSize);",
    replace: "released = Math.mulDiv(p.margin, closeSize, absSize, Math.Rounding.Ceil);",
    mocha: { files: [ADL_KILLERS], grep: "in proportion" },
  },
  {
    id: "haircut-cap-removed",
    file: DELEVERAGE,
    search: "f.haircut = PerpMath.min(run.debt, Math.mulDiv(f.closeSize, f.haircutPerUnit, valueDivisor));",
    replace: "f.haircut = Math.mulDiv(f.closeSize, f.haircutPerUnit, valueDivisor);",
    mocha: { files: [ADL_KILLERS], grep: "deficit" },
  },
  {
    id: "haircut-beyond-break-even",
    file: DELEVERAGE,
    search: "haircutPerUnit = run.haircutPerUnit == 0 || run.haircutPerUnit > unitProfit ? unitProfit : run.haircutPerUnit;",
    replace: "haircutPerUnit = run.haircutPerUnit == 0 ? unitProfit : run.haircutPerUnit;",
    mocha: { files: [ADL_KILLERS], grep: "break-even" },
  },
  {
    id: "bankruptcy-fill-size-rounds-down",
    file: DELEVERAGE,
    search: "closeSize = Math.mulDiv(run.debt, valueDivisor, haircutPerUnit, Math.Rounding.Ceil);",
    replace: "closeSize = Math.mulDiv(run.debt, valueDivisor, haircutPerUnit);",
    mocha: { files: [ADL_KILLERS], grep: "deficit" },
  },
  {
    id: "overcorrection-check-dropped",
    file: DELEVERAGE,
    search: "if (pnlAfter + run.roundingSlack < run.targetPnl) revert PnlOvercorrected(pnlAfter, run.targetPnl);",
    replace: "",
    mocha: { files: [ADL_FLOWS], grep: "over-corrects" },
  },
  {
    id: "inline-fills-off-by-one",
    file: DELEVERAGE,
    search: "for (uint256 i = 0; i < MAX_INLINE_ADL_FILLS && !_done(run); ++i) {",
    replace: "for (uint256 i = 0; i <= MAX_INLINE_ADL_FILLS && !_done(run); ++i) {",
    mocha: { files: [ADL_KILLERS], grep: "inline" },
  },
  // ─── AdlQueue: the ranking rule ────────────────────────────────────────────────────────────
  {
    id: "tie-break-reversed",
    file: ADL_QUEUE,
    search: "return idA < idB;",
    replace: "return idA > idB;",
    mocha: { files: [ADL_KILLERS], grep: "tie" },
  },
  {
    id: "score-comparison-flipped",
    file: ADL_QUEUE,
    search: "if (scoreA != scoreB) return scoreA > scoreB;",
    replace: "if (scoreA != scoreB) return scoreA < scoreB;",
    mocha: { files: [ADL_FLOWS], grep: "brute-force ranking|top-ranked longs" },
  },
  // ─── Trading: fees, minimum size, DeleveragePending ────────────────────────────────────────
  {
    id: "deleverage-pending-skips-margin-removal",
    file: TRADING,
    search: "if (before.size != 0) _checkNoAdlPending(r.marketId, before, price, index);",
    replace: "if (before.size != 0 && r.sizeDelta != 0) _checkNoAdlPending(r.marketId, before, price, index);",
    mocha: { files: [TRADING_KILLERS], grep: "DeleveragePending" },
  },
  {
    id: "deleverage-pending-reads-other-side",
    file: TRADING,
    search: "if (!(isLong ? s.longAdlPending : s.shortAdlPending)) return;",
    replace: "if (!(isLong ? s.shortAdlPending : s.longAdlPending)) return;",
    mocha: { files: [ADL_FLOWS], grep: "blocks profit-taking" },
  },
  {
    id: "min-size-check-dropped",
    file: TRADING,
    search: "if (r.sizeDelta != 0) _checkMinimumSize(positionId, p, c, price);",
    replace: "",
    mocha: { files: [TRADING_KILLERS], grep: "minimum" },
  },
  {
    id: "min-size-off-by-one",
    file: TRADING,
    search: "if (notional < c.minPositionNotional) revert PositionBelowMinimum",
    replace: "if (notional <= c.minPositionNotional) revert PositionBelowMinimum",
    mocha: { files: [TRADING_KILLERS], grep: "minimum" },
  },
  {
    id: "trading-fee-not-charged",
    file: TRADING,
    search: "margin -= int256(costs.fee) + costs.impact;",
    replace: "margin -= costs.impact;",
    mocha: { files: [TRADING_FLOWS], grep: "charges the fee" },
  },
  {
    id: "insurance-fee-share-rounds-up",
    file: TRADING,
    search: "fee.mulWadDown(c.insuranceFeeShare)",
    replace: "fee.mulWadUp(c.insuranceFeeShare)",
    mocha: { files: [TRADING_FLOWS, TRADING_KILLERS], grep: "fee" },
  },
  // ─── Orders: price impact and the executor's gas ──────────────────────────────────────────
  {
    id: "impact-rebate-beyond-pool",
    file: FILL_COST_MATH,
    search: "impact = grows ? int256(amount) : -int256(Math.min(amount, market.impactPool));",
    replace: "impact = grows ? int256(amount) : -int256(amount);",
    mocha: { files: [ORDERS_IMPACT], grep: "never rebates more" },
  },
  {
    id: "impact-charge-rounds-down",
    file: FILL_COST_MATH,
    search: "Math.Rounding rounding = grows ? Math.Rounding.Ceil : Math.Rounding.Floor;",
    replace: "Math.Rounding rounding = Math.Rounding.Floor;",
    mocha: { files: [ORDERS_IMPACT], grep: "rounds a charge up" },
  },
  {
    id: "starved-fill-cancels",
    file: ORDER_MODULE,
    search: "if (reason.length == 0 || bytes4(reason) == Errors.FailedCall.selector) revert FillOutOfGas(orderId);",
    replace: "if (reason.length == 0) revert FillOutOfGas(orderId);",
    mocha: { files: [ORDERS], grep: "gas limit" },
  },
  {
    id: "market-order-any-round",
    file: ORDER_RULES,
    search: "_proven(oracle, priceData, notBefore, o.kind == ORDER_MARKET)",
    replace: "_proven(oracle, priceData, notBefore, false)",
    mocha: { files: [ORDERS], grep: "any round but the first" },
  },
  // ─── PerpMath: the trader's value ──────────────────────────────────────────────────────────
  {
    id: "trader-value-rounds-toward-zero",
    file: PERP_MATH,
    search: "if (numerator % divisor != 0 && numerator < 0) quotient -= 1;",
    replace: "",
    solidity: ["test/solidity/PerpMath.t.sol"],
  },
];
