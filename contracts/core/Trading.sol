// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {PerpMath} from "../libraries/PerpMath.sol";
import {FillCostMath} from "../libraries/FillCostMath.sol";
import {PositionMath} from "../libraries/PositionMath.sol";
import {MarketConfig, MarketState, Position} from "../types/PerpTypes.sol";
import {EngineBase} from "./EngineBase.sol";

/// @title Trading
/// @notice One fill of an isolated position: resizing it, moving its margin, charging the fee and
/// the skew's price impact. Fills happen only at a price the caller has proven (OrderModule gives
/// the price of an order's proof); every fill carries an acceptable price and a deadline.
abstract contract Trading is EngineBase {
    using SafeCast for uint256;
    using SafeCast for int256;
    using PerpMath for uint256;

    /// @dev One position change. `marginIn` comes from the free balance, or from an order's escrow
    /// when `marginEscrowed`; `marginOut` goes back to the free balance. `acceptablePrice` bounds the
    /// execution price, impact included.
    struct TradeRequest {
        uint32 marketId;
        int256 sizeDelta;
        uint256 marginIn;
        uint256 marginOut;
        uint256 acceptablePrice;
        uint256 deadline;
        uint32 hint;
        bool marginEscrowed;
    }

    /// @dev What a fill charged beyond the price: the trading fee and the signed price impact
    /// (positive is paid by the trader, negative is a rebate), at `executionPrice`.
    struct FillCosts {
        uint256 fee;
        int256 impact;
        uint256 executionPrice;
    }

    /// @dev validate → accrue → update → check health → ledgers → store and emit.
    function _trade(address account, TradeRequest memory r, uint256 price) internal returns (uint256 positionId, FillCosts memory costs) {
        if (block.timestamp > r.deadline) revert DeadlineExpired(r.deadline, block.timestamp);
        MarketConfig memory c = _tradingConfig(r.marketId);
        positionId = positionIdFor(account, r.marketId);
        // An account that never held collateral has no number, hence nothing to trade with.
        if (positionId == 0) revert InsufficientBalance(account, 0, r.marginIn);
        Position memory before = _positions[positionId];
        Position memory p = _positions[positionId];
        if (p.size == 0) {
            before.account = p.account = account;
            before.marketId = p.marketId = r.marketId;
        }
        int256 index = _accrueAt(r.marketId, c, price);
        if (r.sizeDelta != 0) {
            costs = _fillCosts(r.marketId, c, r.sizeDelta, price);
            _checkAcceptablePrice(costs.executionPrice, r.acceptablePrice, r.sizeDelta > 0);
        }

        // Any change to an open position realises funding into its margin, so none may touch a
        // profitable position while its side owes ADL debt: adding margin is the only exception.
        if (before.size != 0) _checkNoAdlPending(r.marketId, before, price, index);
        int256 margin = int256(uint256(p.margin)) + int256(r.marginIn) - int256(r.marginOut);
        margin += _settleFunding(p, index);
        if (r.sizeDelta != 0) {
            margin += _applyFill(p, r.sizeDelta, price);
            margin -= int256(costs.fee) + costs.impact;
            _moveImpactPool(r.marketId, costs.impact);
        }
        if (margin < 0) revert PositionBankrupt(positionId, margin);

        uint256 payout;
        if (p.size == 0) {
            payout = uint256(margin);
            p.margin = 0;
        } else {
            p.margin = uint256(margin).toUint128();
            bool riskGrows = PerpMath.abs(p.size) > PerpMath.abs(before.size) || r.marginOut > 0;
            _checkHealth(positionId, p, c, price, index, riskGrows);
            if (PerpMath.abs(p.size) > PerpMath.abs(before.size)) _checkOpenInterest(r.marketId, c, p.size > 0, p.size - before.size);
            if (r.sizeDelta != 0) _checkMinimumSize(positionId, p, c, price);
        }
        _settleLedgers(account, before, p, r, payout, costs.fee.mulWadDown(c.insuranceFeeShare));
        _updateSideTotals(r.marketId, before, p);
        _storePosition(positionId, p, r.sizeDelta, price, costs.fee, r.hint);
    }

    /// @dev The fee and the skew's price impact (FillCostMath), from the market's open interest and
    /// impact pool. A market without impact never reads its pool.
    function _fillCosts(
        uint32 marketId,
        MarketConfig memory c,
        int256 sizeDelta,
        uint256 price
    ) private view returns (FillCosts memory costs) {
        MarketState storage s = _states[marketId];
        FillCostMath.Skew memory skew = FillCostMath.Skew(
            int256(uint256(s.longSize)) - int256(uint256(s.shortSize)),
            c.impactSkewScale == 0 ? 0 : s.impactPool,
            c.impactSkewScale
        );
        (costs.fee, costs.impact, costs.executionPrice) = FillCostMath.fillCosts(sizeDelta, price, c.tradingFeeRate, skew, valueDivisor);
    }

    function _moveImpactPool(uint32 marketId, int256 impact) private {
        if (impact == 0) return;
        MarketState storage s = _states[marketId];
        s.impactPool = uint256(int256(uint256(s.impactPool)) + impact).toUint128();
    }

    /// @dev Applies a fill to `p` and returns the PnL it realises (non-zero only when reducing).
    function _applyFill(Position memory p, int256 sizeDelta, uint256 price) private view returns (int256 realised) {
        int256 newSize = p.size + sizeDelta;
        bool increases = p.size == 0 || (p.size > 0) == (sizeDelta > 0);
        if (increases) {
            uint256 oldAbs = PerpMath.abs(p.size);
            uint256 newAbs = PerpMath.abs(newSize);
            // The averaged entry rounds against the trader: up for a long, down for a short.
            uint256 weighted = oldAbs * p.entryPrice + PerpMath.abs(sizeDelta) * price;
            Math.Rounding rounding = newSize > 0 ? Math.Rounding.Ceil : Math.Rounding.Floor;
            p.entryPrice = Math.mulDiv(weighted, 1, newAbs, rounding).toUint128();
        } else {
            if (newSize != 0 && (newSize > 0) != (p.size > 0)) revert SizeFlip(p.size, sizeDelta);
            realised = PerpMath.traderValueFloor(-sizeDelta, int256(price) - int256(uint256(p.entryPrice)), valueDivisor);
        }
        p.size = newSize.toInt128();
        if (newSize == 0) p.entryPrice = 0;
    }

    function _checkHealth(
        uint256 positionId,
        Position memory p,
        MarketConfig memory c,
        uint256 price,
        int256 index,
        bool riskGrows
    ) private view {
        _loadTiersFor(c, p.marketId, PerpMath.abs(p.size).notionalUp(price, valueDivisor));
        PositionMath.Health memory h = PositionMath.health(p, c, price, index, valueDivisor);
        if (riskGrows) {
            if (riskPaused) revert RiskPaused();
            if (!h.withinTiers) revert NotionalAboveMaxTier(positionId, h.notional);
            if (h.equity < int256(h.initialMargin)) revert BelowInitialMargin(positionId, h.equity, h.initialMargin);
        } else if (PositionMath.isLiquidatable(h)) {
            revert BelowMaintenanceMargin(positionId, h.equity, h.maintenanceMargin);
        }
    }

    /// @dev Every fill leaves at least the market's minimum notional (a full close never gets here), so
    /// each position an attacker puts in a queue's way costs real margin.
    function _checkMinimumSize(uint256 positionId, Position memory p, MarketConfig memory c, uint256 price) private view {
        uint256 notional = PerpMath.abs(p.size).notionalDown(price, valueDivisor);
        if (notional < c.minPositionNotional) revert PositionBelowMinimum(positionId, notional, c.minPositionNotional);
    }

    /// @dev While a side owes ADL debt, its profitable positions cannot realise, withdraw or settle
    /// profit (funding included) that the debt still has a claim on; `deleverage` settles the debt first.
    function _checkNoAdlPending(uint32 marketId, Position memory p, uint256 price, int256 index) private view {
        MarketState storage s = _states[marketId];
        bool isLong = p.size > 0;
        if (!(isLong ? s.longAdlPending : s.shortAdlPending)) return;
        int256 pnl = PerpMath.traderValueFloor(p.size, int256(price) - index - _k(p), valueDivisor);
        if (pnl > 0) revert DeleveragePending(marketId, isLong, isLong ? s.longAdlDebt : s.shortAdlDebt);
    }

    function _checkOpenInterest(uint32 marketId, MarketConfig memory c, bool isLong, int256 growth) private view {
        MarketState storage s = _states[marketId];
        uint256 openInterest = (isLong ? s.longSize : s.shortSize) + PerpMath.abs(growth);
        uint256 cap = isLong ? c.maxLongSize : c.maxShortSize;
        if (openInterest > cap) revert OpenInterestCap(marketId, isLong, openInterest, cap);
    }

    function _checkAcceptablePrice(uint256 price, uint256 acceptablePrice, bool isBuy) private pure {
        if (isBuy ? price > acceptablePrice : price < acceptablePrice) {
            revert PriceOutsideBound(price, acceptablePrice, isBuy);
        }
    }

    /// @dev Conservation: what the position held before plus what came in equals what it holds now
    /// plus what went out; the vault's cash absorbs the difference (realised PnL, funding, its fee share).
    function _settleLedgers(
        address account,
        Position memory before,
        Position memory afterwards,
        TradeRequest memory r,
        uint256 payout,
        uint256 insuranceFee
    ) private {
        if (r.marginIn > 0 && !r.marginEscrowed) _debitFree(account, r.marginIn);
        _creditFree(account, r.marginOut + payout);
        _changeLedgers(
            int256(insuranceFee),
            int256(uint256(before.margin) + r.marginIn) - int256(uint256(afterwards.margin) + r.marginOut + payout + insuranceFee)
        );
    }
}
