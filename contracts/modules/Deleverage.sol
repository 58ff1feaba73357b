// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {AdlGrid} from "../adl/AdlGrid.sol";
import {AdlQueue, Heads, SideQueue} from "../adl/AdlQueue.sol";
import {ILiquidationModule} from "../interfaces/ILiquidationModule.sol";
import {PerpMath} from "../libraries/PerpMath.sol";
import {MarketConfig, MarketState, Position} from "../types/PerpTypes.sol";
import {EngineBase} from "../core/EngineBase.sol";
import {ModuleGuard} from "./ModuleGuard.sol";

/// @title Deleverage
/// @notice Auto-deleveraging against the ranked queue. Every fill hits the best-ranked position of
/// the side by the published score at the current price (AdlGrid), and only its profit.
/// - Bankruptcy ADL: bad debt beyond the insurance fund is owed by the opposite side. Its top-ranked
///   profitable positions are reduced at the debt's bankruptcy price (or at their break-even price,
///   if that is higher for them), in rank order, until the haircuts sum to the debt exactly.
/// - Pool-protection ADL: when a side's profit exceeds maxPnlFactor x vault assets, its top-ranked
///   profitable positions are reduced at the oracle price until the factor is back at the target.
/// A reduced position releases margin in proportion, rounded so that its slope stays in its bucket;
/// its key is unchanged, so it keeps its place in the queue and a fill never searches for one.
abstract contract Deleverage is EngineBase, ModuleGuard, ILiquidationModule {
    using SafeCast for uint256;
    using SafeCast for int256;

    /// @notice ADL fills a bankrupt liquidation performs itself before leaving the rest to `deleverage`.
    uint256 internal constant MAX_INLINE_ADL_FILLS = 8;

    /// @dev One deleverage run on one side of one market, at one price.
    struct AdlRun {
        uint32 marketId;
        bool isLong; // the side being reduced
        uint256 price;
        int256 x; // price - fundingIndex
        bool bankruptcyMode;
        uint256 debt; // bankruptcy mode: what the side still owes
        uint256 haircutPerUnit; // bankruptcy mode: distance from the oracle to the bankruptcy price, 0 if none
        int256 targetPnl; // pool mode: targetPnlFactor x the vault's equity (0 when equity <= 0)
        int256 excessPnl; // pool mode, automatic size: profit above the target
        int256 roundingSlack; // pool mode: atoms the fills may take beyond the target by rounding alone
        bool cashExhausted; // pool mode: the vault's cash cannot pay any more profit at the oracle price
        uint256 sizeLeft; // pool mode, explicit size: size still to close
        uint32 hint;
        uint256 minPositionNotional; // pool mode: a remainder below it is closed too
        Heads heads; // the side's bucket heads, ranked in memory across the fills of the run
        int256[] headScores; // each head's published score at x: recomputed only for a head that changed
        // Applied once when the run ends, instead of once per fill:
        int256 vaultCashDelta;
        int256 sizeDelta;
        int256 sizeKDelta;
    }

    /// @inheritdoc ILiquidationModule
    function deleverage(
        uint32 marketId,
        bool isLong,
        uint256 maxFills,
        uint256 closeSize,
        uint32 hint
    ) external onlyDelegated nonReentrant returns (uint256 fills) {
        MarketConfig memory c = _config(marketId);
        AdlRun memory run = _startRun(marketId, isLong, c, hint);
        uint256 factorBefore;
        if (run.bankruptcyMode) {
            if (closeSize != 0) revert CloseSizeInBankruptcyMode(closeSize);
        } else {
            factorBefore = pnlFactor(marketId, isLong);
            if (factorBefore <= c.maxPnlFactor) revert NothingToDeleverage(marketId, isLong, factorBefore, c.maxPnlFactor);
            _startPoolMode(run, c, closeSize);
        }
        // Every fill takes the side's top at the current price, found on-chain: no caller's list can
        // go stale, be front-run or be reordered into a revert.
        for (uint256 i = 0; i < maxFills && !_done(run); ++i) {
            (uint256 slot, uint32 top, int256 topScore) = _top(run);
            if (top == 0 || topScore <= 0) break;
            if (_fill(run, top, slot)) ++fills;
        }
        bool borne = run.bankruptcyMode && _bearRestIfNoCounterparty(run);
        if (fills == 0 && !borne) revert NoDeleverageProgress(marketId, isLong);
        _finishRun(run);
        if (run.bankruptcyMode) {
            _storeDebt(run);
        } else {
            // Counted in atoms, not as a factor: near zero equity one atom moves the factor by a lot.
            (int256 longPnl, int256 shortPnl) = sidePnl(marketId);
            int256 pnlAfter = isLong ? longPnl : shortPnl;
            if (pnlAfter + run.roundingSlack < run.targetPnl) revert PnlOvercorrected(pnlAfter, run.targetPnl);
        }
    }

    /// @dev The ADL step of a bankrupt liquidation: records the debt, then fills it from the top of
    /// the opposite side's queue, up to MAX_INLINE_ADL_FILLS; `deleverage` continues from there.
    function _coverWithAdl(
        uint32 marketId,
        MarketConfig memory c,
        bool payerIsLong,
        uint256 positionId,
        uint256 amount,
        uint256 bankruptcyPrice
    ) internal {
        _addDebt(marketId, payerIsLong, positionId, amount, bankruptcyPrice);
        AdlRun memory run = _startRun(marketId, payerIsLong, c, 0);
        for (uint256 i = 0; i < MAX_INLINE_ADL_FILLS && !_done(run); ++i) {
            (uint256 slot, uint32 top, int256 topScore) = _top(run);
            if (top == 0 || topScore <= 0) break;
            if (!_fill(run, top, slot)) break;
        }
        _bearRestIfNoCounterparty(run);
        _finishRun(run);
        _storeDebt(run);
    }

    function _addDebt(uint32 marketId, bool payerIsLong, uint256 positionId, uint256 amount, uint256 bankruptcyPrice) private {
        MarketState storage s = _states[marketId];
        uint256 debt = payerIsLong ? s.longAdlDebt : s.shortAdlDebt;
        uint256 debtPrice = payerIsLong ? s.longAdlPrice : s.shortAdlPrice;
        uint256 total = debt + amount;
        // Several pending debts share one fill price: their deficit-weighted bankruptcy price.
        uint256 price = Math.mulDiv(debt, debtPrice, total) + Math.mulDiv(amount, bankruptcyPrice, total);
        _setDebt(s, marketId, payerIsLong, total, price);
        emit DeficitUncovered(marketId, positionId, payerIsLong, amount, total);
    }

    // ─── Runs ───────────────────────────────────────────────────────────────────────────────

    function _startRun(uint32 marketId, bool isLong, MarketConfig memory c, uint32 hint) private returns (AdlRun memory run) {
        (uint256 price, int256 index) = _priceAndAccrue(marketId, c);
        MarketState storage s = _states[marketId];
        run.marketId = marketId;
        run.isLong = isLong;
        run.price = price;
        run.x = int256(price) - index;
        run.hint = hint;
        run.minPositionNotional = c.minPositionNotional;
        run.debt = isLong ? s.longAdlDebt : s.shortAdlDebt;
        run.bankruptcyMode = run.debt > 0;
        _loadHeads(run);
        if (run.bankruptcyMode) {
            uint256 debtPrice = isLong ? s.longAdlPrice : s.shortAdlPrice;
            // Longs are cut at a price below the oracle, shorts at one above it.
            if (isLong ? debtPrice < price : debtPrice > price) {
                run.haircutPerUnit = isLong ? price - debtPrice : debtPrice - price;
            }
        }
    }

    /// @dev The target is a share of the vault's equity; with no equity left (an insolvent vault can
    /// pay no profit) it is zero, so the whole profit of the side is in excess.
    function _startPoolMode(AdlRun memory run, MarketConfig memory c, uint256 closeSize) private view {
        int256 equity = vaultEquity();
        run.targetPnl = equity > 0 ? int256(Math.mulDiv(uint256(equity), c.targetPnlFactor, PerpMath.WAD)) : int256(0);
        if (closeSize != 0) {
            run.sizeLeft = closeSize;
            return;
        }
        (int256 longPnl, int256 shortPnl) = sidePnl(run.marketId);
        run.excessPnl = (run.isLong ? longPnl : shortPnl) - run.targetPnl;
    }

    function _done(AdlRun memory run) private pure returns (bool) {
        if (run.bankruptcyMode) return run.debt == 0;
        return (run.excessPnl <= 0 && run.sizeLeft == 0) || run.cashExhausted;
    }

    /// @dev The best bucket head at the run's X: the same choice as AdlQueue.best, from memory.
    function _top(AdlRun memory run) private pure returns (uint256 slot, uint32 id, int256 bestScore) {
        uint32[] memory ids = run.heads.ids;
        int256[] memory scores = run.headScores;
        for (uint256 i = 0; i < ids.length; ++i) {
            if (ids[i] == 0) continue;
            int256 s = scores[i];
            if (id == 0 || AdlQueue.outranks(s, ids[i], bestScore, id)) (slot, id, bestScore) = (i, ids[i], s);
        }
    }

    /// @dev Reads every non-empty bucket's head and scores it at the run's X.
    function _loadHeads(AdlRun memory run) private view {
        run.heads = AdlQueue.heads(_queue(run.marketId, run.isLong));
        run.headScores = new int256[](run.heads.ids.length);
        for (uint256 i = 0; i < run.heads.ids.length; ++i) _scoreHead(run, i);
    }

    function _scoreHead(AdlRun memory run, uint256 slot) private pure {
        run.headScores[slot] = AdlGrid.score(run.heads.buckets[slot], run.heads.keys[slot], run.x, run.isLong);
    }

    /// @dev After a fill from `slot`, re-reads that bucket's head; if the filled position `p` moved to
    /// another bucket (rare: rounding of its released margin), reloads every head.
    function _refreshHeads(AdlRun memory run, uint256 slot, Position memory p, uint16 bucketBefore) private view {
        SideQueue storage q = _queue(run.marketId, run.isLong);
        if (p.size != 0 && _bucketOf(p) != bucketBefore) {
            _loadHeads(run);
            return;
        }
        (run.heads.ids[slot], run.heads.keys[slot]) = (AdlQueue.head(q, bucketBefore), AdlQueue.headKey(q, bucketBefore));
        _scoreHead(run, slot);
    }

    /// @dev Applies the run's accumulated ledger and open-interest changes.
    function _finishRun(AdlRun memory run) private {
        _changeLedgers(0, run.vaultCashDelta);
        _changeSideTotals(run.marketId, run.isLong, run.sizeDelta, run.sizeKDelta);
    }

    // ─── One fill ───────────────────────────────────────────────────────────────────────────

    /// @dev The amounts of one fill.
    struct Fill {
        uint256 closeSize;
        int256 closed; // signed like the position
        uint256 haircutPerUnit;
        uint256 value; // the closed part's PnL net of funding at the oracle price, rounded down
        uint256 haircut;
        uint256 fillPrice;
    }

    /// @dev Reduces one profitable position. Its realised value is `size * (X - k)` on the closed
    /// part, rounded down, less the haircut; the margin backing the closed part is released with it.
    function _fill(AdlRun memory run, uint256 positionId, uint256 slot) private returns (bool filled) {
        Position memory p = _positions[positionId];
        Fill memory f = _sizeFill(run, p);
        if (f.closeSize == 0) return false; // pool mode with no cash left to pay a wei of size
        uint256 released = _releasedMargin(p, f.closeSize, run.heads.buckets[slot]);
        // The key is unchanged (the remainder keeps its entry and snapshot), so the side's
        // sum(|size| * k) falls by exactly closeSize * k.
        run.sizeDelta -= int256(f.closeSize);
        run.sizeKDelta -= int256(f.closeSize) * _k(p);
        p.margin -= released.toUint128();
        p.size -= f.closed.toInt128();
        if (p.size == 0) p.entryPrice = 0;
        uint256 realised = f.value - f.haircut;
        run.vaultCashDelta -= int256(realised);
        _creditFree(p.account, released + realised);
        _storePosition(positionId, p, -f.closed, f.fillPrice, 0, run.hint);
        _refreshHeads(run, slot, p, run.heads.buckets[slot]);
        emit AdlFill(run.marketId, positionId, run.isLong, f.closeSize, f.fillPrice, int256(realised), f.haircut, run.debt);
        return true;
    }

    /// @dev The margin that leaves with the closed part: in proportion, rounded down (the position
    /// keeps the atom). When that rounding would move the remainder's slope out of its bucket (a
    /// slope on the bucket's lower edge), it is rounded up instead, so the position keeps its
    /// bucket and its place: no fill ever searches the queue, however the bucket is stuffed. Only a
    /// margin of a few atoms can miss both; the queue then places it by a walk.
    function _releasedMargin(Position memory p, uint256 closeSize, uint16 bucket) private view returns (uint256 released) {
        uint256 absSize = PerpMath.abs(p.size);
        if (closeSize == absSize) return p.margin;
        released = Math.mulDiv(p.margin, closeSize, absSize);
        uint256 restSize = absSize - closeSize;
        if (AdlGrid.bucketOf(restSize, p.margin - released, valueDivisor) != bucket && released < p.margin) {
            uint256 roundedUp = released + 1;
            if (AdlGrid.bucketOf(restSize, p.margin - roundedUp, valueDivisor) == bucket) released = roundedUp;
        }
    }

    function _sizeFill(AdlRun memory run, Position memory p) private view returns (Fill memory f) {
        int256 k = _k(p);
        uint256 unitProfit = uint256(run.isLong ? run.x - k : k - run.x);
        (f.closeSize, f.haircutPerUnit) = _fillSize(run, PerpMath.abs(p.size), unitProfit);
        f.closed = run.isLong ? f.closeSize.toInt256() : -f.closeSize.toInt256();
        f.value = uint256(PerpMath.traderValueFloor(f.closed, run.x - k, valueDivisor));
        if (run.bankruptcyMode) {
            // The size was rounded up, so this reaches the debt: the protocol never falls short.
            f.haircut = PerpMath.min(run.debt, Math.mulDiv(f.closeSize, f.haircutPerUnit, valueDivisor));
            run.debt -= f.haircut;
        }
        f.fillPrice = run.isLong ? run.price - f.haircutPerUnit : run.price + f.haircutPerUnit;
    }

    /// @dev How much of a position to close, and the haircut per unit of size.
    function _fillSize(
        AdlRun memory run,
        uint256 absSize,
        uint256 unitProfit
    ) private view returns (uint256 closeSize, uint256 haircutPerUnit) {
        if (run.bankruptcyMode) {
            // Only profit is ever taken: never beyond the position's break-even price.
            haircutPerUnit = run.haircutPerUnit == 0 || run.haircutPerUnit > unitProfit ? unitProfit : run.haircutPerUnit;
            closeSize = Math.mulDiv(run.debt, valueDivisor, haircutPerUnit, Math.Rounding.Ceil);
        } else if (run.sizeLeft != 0) {
            closeSize = run.sizeLeft;
        } else {
            closeSize = Math.mulDiv(uint256(run.excessPnl), valueDivisor, unitProfit, Math.Rounding.Ceil);
        }
        closeSize = PerpMath.min(closeSize, absSize);
        if (
            !run.bankruptcyMode &&
            closeSize < absSize &&
            PerpMath.notionalDown(absSize - closeSize, run.price, valueDivisor) < run.minPositionNotional
        ) {
            closeSize = absSize; // no dust left behind; a bankruptcy fill stays exact instead
        }
        if (!run.bankruptcyMode) {
            // At the oracle price the vault pays the closed part's whole profit from its cash: an
            // insolvent vault closes what its cash can pay, then the run stops.
            uint256 affordable = Math.mulDiv(_cashLeft(run), valueDivisor, unitProfit);
            if (affordable <= closeSize) (closeSize, run.cashExhausted) = (affordable, true);
            // One fill's size rounds up by under a wei of size, and the side's floored PnL moves by an atom more.
            run.roundingSlack += int256(unitProfit / valueDivisor) + 2;
            if (run.sizeLeft != 0) run.sizeLeft = run.sizeLeft > closeSize ? run.sizeLeft - closeSize : 0;
            else run.excessPnl -= int256(Math.mulDiv(closeSize, unitProfit, valueDivisor));
        }
    }

    function _cashLeft(AdlRun memory run) private view returns (uint256) {
        int256 cash = int256(vaultCash()) + run.vaultCashDelta;
        return cash > 0 ? uint256(cash) : 0;
    }

    // ─── Debt bookkeeping ───────────────────────────────────────────────────────────────────

    /// @dev With no profitable counterparty left, the vault keeps the loss it already took.
    function _bearRestIfNoCounterparty(AdlRun memory run) private returns (bool borne) {
        if (run.debt == 0) return false;
        (, uint32 top, int256 topScore) = _top(run);
        if (top != 0 && topScore > 0) return false;
        emit DeficitBorneByVault(run.marketId, run.isLong, run.debt);
        run.debt = 0;
        return true;
    }

    function _storeDebt(AdlRun memory run) private {
        MarketState storage s = _states[run.marketId];
        _setDebt(s, run.marketId, run.isLong, run.debt, run.debt == 0 ? 0 : (run.isLong ? s.longAdlPrice : s.shortAdlPrice));
    }

    function _setDebt(MarketState storage s, uint32 marketId, bool isLong, uint256 debt, uint256 price) private {
        if (isLong) {
            (s.longAdlDebt, s.longAdlPrice, s.longAdlPending) = (debt.toUint128(), price.toUint128(), debt > 0);
        } else {
            (s.shortAdlDebt, s.shortAdlPrice, s.shortAdlPending) = (debt.toUint128(), price.toUint128(), debt > 0);
        }
        emit AdlDebtChanged(marketId, isLong, debt, price);
    }
}
