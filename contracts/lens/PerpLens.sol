// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {AdlGrid} from "../adl/AdlGrid.sol";
import {AdlQueue, QueueNode} from "../adl/AdlQueue.sol";
import {IPerpEngine} from "../interfaces/IPerpEngine.sol";
import {IPerpEngineEvents} from "../interfaces/IPerpEngineEvents.sol";
import {FundingLib} from "../libraries/FundingLib.sol";
import {LiquidationMath} from "../libraries/LiquidationMath.sol";
import {MarketConfigLib} from "../libraries/MarketConfigLib.sol";
import {FillCostMath} from "../libraries/FillCostMath.sol";
import {PerpMath} from "../libraries/PerpMath.sol";
import {PositionMath} from "../libraries/PositionMath.sol";
import {MAX_MARKETS, MarketConfig, MarketState, Position, RiskTier} from "../types/PerpTypes.sol";

/// @title PerpLens
/// @notice Read-only views for keepers and frontends, computed with the engine's own math at the
/// current oracle price and with funding projected to the current block. Not used by the engine.
contract PerpLens {
    using PerpMath for uint256;

    struct PositionHealth {
        uint256 positionId;
        address account;
        uint32 marketId;
        int256 size;
        uint256 margin;
        uint256 price;
        int256 equity;
        uint256 notional;
        uint256 initialMargin;
        uint256 maintenanceMargin;
        /// @dev equity / maintenance margin as a WAD; 0 when equity <= 0. Liquidatable below 1e18.
        uint256 marginRatio;
        bool liquidatable;
        bool bankrupt;
        uint256 liquidationPrice;
        uint256 bankruptcyPrice;
    }

    /// @notice A position's place in its side's ADL ranking at the current price.
    struct AdlPosition {
        uint256 positionId;
        bool isLong;
        uint16 bucket;
        int256 score; // edge(bucket) * (X - k) for a long, edge(bucket) * (k - X) for a short
        uint256 rank; // 1 = first to be deleveraged
        uint256 sideCount; // positions on the side
        uint8 quantile; // 5 = top fifth of the ranking (first hit) ... 1 = bottom fifth
    }

    /// @notice What a frontend shows about a market's ADL risk.
    struct MarketAdlState {
        uint256 insuranceFund;
        uint256 insuranceCoverage; // fund / open notional of all markets, WAD
        uint256 longAdlDebt; // owed by longs (left by bankrupt shorts)
        uint256 shortAdlDebt;
        uint256 longPnlFactor; // longs' profit / vault assets, WAD
        uint256 shortPnlFactor;
        uint256 maxPnlFactor; // pool-protection ADL threshold
        uint256 targetPnlFactor;
    }

    /// @notice What `liquidate` would do now, and the queue hint to pass it.
    struct LiquidationPreview {
        bool liquidatable;
        bool full;
        uint256 closeSize;
        int256 sizeAfter;
        uint256 marginAfter;
        uint256 keeperReward;
        uint256 penalty;
        uint256 deficit;
        uint256 insuranceDraw; // bankrupt: the keeper's reward and the deficit, as far as the fund holds
        uint256 uncovered; // bankrupt: what becomes ADL debt
        uint256 bankruptcyPrice; // the ADL fill price when uncovered > 0
        uint16 bucketAfter;
        int256 kAfter;
        uint32 hint; // for a partial liquidation: where the position goes in its new bucket
    }

    /// @notice What a trade would do if filled now at the oracle price (previewTrade).
    struct TradePreview {
        uint256 positionId;
        uint256 price; // the oracle price the fill is previewed at
        uint256 executionPrice; // impact included: what an order's acceptablePrice bounds
        uint256 fee; // token atoms
        int256 impact; // token atoms; negative is a rebate
        int256 sizeAfter;
        int256 marginAfter; // negative: the fill would revert PositionBankrupt
        uint256 entryPriceAfter;
        uint256 initialMarginAfter; // an opening fill needs marginAfter at least this much
        uint256 liquidationPrice; // 0 when the trade closes the position
        uint16 bucket;
        int256 k;
        uint256 rank; // 1 = first to be deleveraged; 0 when the trade closes the position
        uint256 sideCount; // positions on the side, this one included
        uint8 quantile;
        uint32 hint; // the ADL queue hint to send with the order
    }

    IPerpEngine public immutable engine;

    constructor(IPerpEngine engine_) {
        engine = engine_;
    }

    /// @notice Health of one position; reverts like the engine when the oracle price is bad.
    function positionHealth(uint256 positionId) public view returns (PositionHealth memory r) {
        Position memory p = engine.position(positionId);
        r.positionId = positionId;
        if (p.size == 0) return r;
        MarketConfig memory c = engine.marketConfig(p.marketId);
        (uint256 price, int256 index) = _priceAndIndex(p.marketId, c);
        PositionMath.Health memory h = PositionMath.health(p, c, price, index, engine.valueDivisor());
        r.account = p.account;
        r.marketId = p.marketId;
        r.size = p.size;
        r.margin = p.margin;
        r.price = price;
        r.equity = h.equity;
        r.notional = h.notional;
        r.initialMargin = h.initialMargin;
        r.maintenanceMargin = h.maintenanceMargin;
        r.marginRatio = h.equity > 0 ? Math.mulDiv(uint256(h.equity), PerpMath.WAD, h.maintenanceMargin) : 0;
        r.liquidatable = PositionMath.isLiquidatable(h);
        r.bankrupt = h.equity < 0;
        int256 adjustedEntry = int256(uint256(p.entryPrice)) + (index - p.fundingSnapshot);
        r.bankruptcyPrice = LiquidationMath.bankruptcyPrice(p, index, engine.valueDivisor());
        r.liquidationPrice = _liquidationPrice(p, c, adjustedEntry, engine.valueDivisor());
    }

    /// @notice Health of many positions in one call; closed ids come back with size 0.
    function positionHealthBatch(uint256[] calldata positionIds) external view returns (PositionHealth[] memory out) {
        out = new PositionHealth[](positionIds.length);
        for (uint256 i = 0; i < positionIds.length; ++i) out[i] = positionHealth(positionIds[i]);
    }

    /// @notice The stored state of every listed market's position of up to `count` accounts, from
    /// account number `firstAccount` on (numbers past the last are left out; closed positions come
    /// back with size 0), each with its id: one call resyncs a keeper's index.
    function accountPositions(
        uint256 firstAccount,
        uint256 count
    ) external view returns (uint256[] memory ids, Position[] memory positions) {
        uint256 end = Math.min(firstAccount + count, uint256(engine.accountCount()) + 1);
        uint256 markets = engine.marketCount();
        uint256 length = end > firstAccount ? (end - firstAccount) * markets : 0;
        (ids, positions) = (new uint256[](length), new Position[](length));
        for (uint256 i = 0; i < length; ++i) {
            ids[i] = (firstAccount + i / markets) * MAX_MARKETS + (i % markets);
            positions[i] = engine.position(ids[i]);
        }
    }

    /// @notice What liquidating `positionId` would do at the current price, with the hint for it.
    function previewLiquidation(uint256 positionId) public view returns (LiquidationPreview memory r) {
        Position memory p = engine.position(positionId);
        if (p.size == 0) return r;
        bool isLong = p.size > 0;
        MarketConfig memory c = engine.marketConfig(p.marketId);
        (uint256 price, int256 index) = _priceAndIndex(p.marketId, c);
        LiquidationMath.Outcome memory o = LiquidationMath.calculate(p, c, price, index, engine.valueDivisor(), engine.insuranceFund());
        r.liquidatable = o.liquidatable;
        if (!r.liquidatable) return r;
        (r.full, r.closeSize, r.keeperReward, r.penalty, r.deficit) = (o.full, o.closeSize, o.keeperReward, o.penalty, o.deficit);
        (r.insuranceDraw, r.uncovered, r.bankruptcyPrice) = (o.insuranceDraw, o.uncovered, o.bankruptcyPrice);
        (r.sizeAfter, r.marginAfter) = (p.size, p.margin);
        if (o.full) return r;
        r.bucketAfter = AdlGrid.bucketOf(PerpMath.abs(p.size), p.margin, engine.valueDivisor());
        r.kAfter = int256(uint256(p.entryPrice)) - p.fundingSnapshot;
        r.hint = adlInsertHint(p.marketId, isLong, r.bucketAfter, r.kAfter, positionId);
    }

    /// @notice previewLiquidation for many positions: what a keeper reads each block.
    function previewLiquidationBatch(uint256[] calldata positionIds) external view returns (LiquidationPreview[] memory out) {
        out = new LiquidationPreview[](positionIds.length);
        for (uint256 i = 0; i < positionIds.length; ++i) out[i] = previewLiquidation(positionIds[i]);
    }

    /// @notice The insurance fund, the open notional across markets (a market with a stale feed at its
    /// last answer), and their ratio (WAD).
    function insuranceCoverage() external view returns (uint256 fund, uint256 openNotional, uint256 coverage) {
        fund = engine.insuranceFund();
        uint32 count = engine.marketCount();
        for (uint32 m = 0; m < count; ++m) {
            MarketConfig memory c = engine.marketConfig(m);
            MarketState memory s = engine.marketState(m);
            // The last answer even when stale: one dead feed must not hide every market's ADL state.
            (uint256 price, ) = c.oracle.valuationPrice();
            openNotional += (uint256(s.longSize) + s.shortSize).notionalUp(price, engine.valueDivisor());
        }
        coverage = openNotional == 0 ? type(uint256).max : Math.mulDiv(fund, PerpMath.WAD, openNotional);
    }

    // ─── ADL ────────────────────────────────────────────────────────────────────────────────

    /// @notice The position's bucket, score, rank and five-light quantile. Walks the side's queue:
    /// meant for eth_call.
    function positionAdl(uint256 positionId) external view returns (AdlPosition memory r) {
        QueueNode memory node = engine.queueNode(positionId);
        if (!node.queued) revert IPerpEngineEvents.PositionNotFound(positionId);
        int256 x = _x(node.marketId);
        r.positionId = positionId;
        r.isLong = node.isLong;
        r.bucket = node.bucket;
        r.score = AdlGrid.score(node.bucket, node.k, x, node.isLong);
        (r.rank, r.sideCount, r.quantile) = _rank(node.marketId, node.isLong, x, r.score, positionId);
    }

    /// @notice One read before a trade: the fill price with fee and impact, the position after it,
    /// its liquidation price, ADL bucket, rank and quantile at the current price, and the queue hint.
    /// Mirrors Trading._trade at the current oracle price with funding accrued to this block; the
    /// real fill happens at a later price. `marginDelta` > 0 is marginIn, < 0 marginOut.
    function previewTrade(
        address account,
        uint32 marketId,
        int256 sizeDelta,
        int256 marginDelta
    ) external view returns (TradePreview memory r) {
        MarketConfig memory c = engine.marketConfig(marketId);
        uint256 divisor = engine.valueDivisor();
        (uint256 price, int256 index) = _priceAndIndex(marketId, c);
        r.positionId = engine.positionIdFor(account, marketId);
        Position memory p = engine.position(r.positionId);
        r.price = price;
        r.marginAfter = int256(uint256(p.margin)) + marginDelta + PositionMath.settleFunding(p, index, divisor);
        r.entryPriceAfter = p.entryPrice;
        r.sizeAfter = p.size + sizeDelta;
        if (sizeDelta != 0) {
            (r.fee, r.impact, r.executionPrice) = _fillCosts(marketId, c, sizeDelta, price, divisor);
            r.marginAfter -= int256(r.fee) + r.impact;
            if (p.size == 0 || (p.size > 0) == (sizeDelta > 0)) {
                uint256 weighted = PerpMath.abs(p.size) * p.entryPrice + PerpMath.abs(sizeDelta) * price;
                Math.Rounding rounding = r.sizeAfter > 0 ? Math.Rounding.Ceil : Math.Rounding.Floor;
                r.entryPriceAfter = Math.mulDiv(weighted, 1, PerpMath.abs(r.sizeAfter), rounding);
            } else {
                if (r.sizeAfter != 0 && (r.sizeAfter > 0) != (p.size > 0)) revert IPerpEngineEvents.SizeFlip(p.size, sizeDelta);
                r.marginAfter += PerpMath.traderValueFloor(-sizeDelta, int256(price) - int256(uint256(p.entryPrice)), divisor);
            }
        }
        if (r.sizeAfter == 0) return r;
        uint256 margin = r.marginAfter > 0 ? uint256(r.marginAfter) : 0;
        Position memory next = Position(
            int128(r.sizeAfter),
            uint128(margin),
            uint128(r.entryPriceAfter),
            int128(index),
            account,
            marketId,
            0,
            0
        );
        r.initialMarginAfter = PositionMath.health(next, c, price, index, divisor).initialMargin;
        r.liquidationPrice = _liquidationPrice(next, c, int256(r.entryPriceAfter), divisor);
        bool isLong = r.sizeAfter > 0;
        r.bucket = AdlGrid.bucketOf(PerpMath.abs(r.sizeAfter), margin, divisor);
        r.k = int256(r.entryPriceAfter) - index;
        int256 x = int256(price) - index;
        (r.rank, r.sideCount, r.quantile) = _rank(marketId, isLong, x, AdlGrid.score(r.bucket, r.k, x, isLong), r.positionId);
        r.hint = adlInsertHint(marketId, isLong, r.bucket, r.k, r.positionId);
    }

    /// @dev The rank (1 = first hit), side count and five-light quantile of a position with `score`
    /// among the side's queued positions, `positionId` itself (queued or not) counted once.
    function _rank(
        uint32 marketId,
        bool isLong,
        int256 x,
        int256 score,
        uint256 positionId
    ) private view returns (uint256 rank, uint256 sideCount, uint8 quantile) {
        uint256[4] memory nonEmpty = engine.queueBuckets(marketId, isLong);
        for (uint256 b = 0; b < AdlGrid.BUCKET_COUNT; ++b) {
            if ((nonEmpty[b >> 8] >> (b & 255)) & 1 == 0) continue;
            for (uint32 id = engine.queueHead(marketId, isLong, uint16(b)); id != 0;) {
                QueueNode memory n = engine.queueNode(id);
                if (id != positionId) {
                    ++sideCount;
                    if (AdlQueue.outranks(AdlGrid.score(b, n.k, x, isLong), id, score, positionId)) ++rank;
                }
                id = n.next;
            }
        }
        (rank, sideCount) = (rank + 1, sideCount + 1);
        quantile = uint8(5 - ((rank - 1) * 5) / sideCount);
    }

    /// @dev The fill's costs as Trading computes them (FillCostMath), from the engine's views.
    function _fillCosts(
        uint32 marketId,
        MarketConfig memory c,
        int256 sizeDelta,
        uint256 price,
        uint256 divisor
    ) private view returns (uint256 fee, int256 impact, uint256 executionPrice) {
        MarketState memory s = engine.marketState(marketId);
        int256 skew = int256(uint256(s.longSize)) - int256(uint256(s.shortSize));
        return
            FillCostMath.fillCosts(sizeDelta, price, c.tradingFeeRate, FillCostMath.Skew(skew, s.impactPool, c.impactSkewScale), divisor);
    }

    /// @dev One cursor per non-empty bucket, for merging the buckets into the side's ranking.
    struct Merge {
        int256 x;
        bool isLong;
        uint256 open;
        uint256[] bucket;
        uint32[] cursor; // the bucket's best position not yet ranked, 0 when exhausted
        int256[] key; // its k
        uint32[] after_; // the position behind it
    }

    /// @notice The side's positions in ADL order at the current price, at most `limit` of them:
    /// the ids a keeper names in `deleverage`.
    function adlRanking(uint32 marketId, bool isLong, uint256 limit) external view returns (uint256[] memory ids, int256[] memory scores) {
        return adlRankingAt(marketId, isLong, limit, _x(marketId));
    }

    /// @notice The ranking at any `x` (price - funding index): what ADL would hit at that price.
    function adlRankingAt(
        uint32 marketId,
        bool isLong,
        uint256 limit,
        int256 x
    ) public view returns (uint256[] memory ids, int256[] memory scores) {
        Merge memory m = _openMerge(marketId, isLong, x);
        uint256[] memory foundIds = new uint256[](limit);
        int256[] memory foundScores = new int256[](limit);
        uint256 found;
        for (; found < limit; ++found) {
            (uint256 slot, int256 score, bool any) = _bestCursor(m);
            if (!any) break;
            (foundIds[found], foundScores[found]) = (m.cursor[slot], score);
            _advance(m, slot, m.after_[slot]);
        }
        ids = new uint256[](found);
        scores = new int256[](found);
        for (uint256 i = 0; i < found; ++i) (ids[i], scores[i]) = (foundIds[i], foundScores[i]);
    }

    /// @notice The hint for placing a position with `k` in `bucket`: the position that should
    /// precede it (0: the head). `positionId` is skipped, so the hint works for a reinsertion too.
    function adlInsertHint(uint32 marketId, bool isLong, uint16 bucket, int256 k, uint256 positionId) public view returns (uint32 hint) {
        for (uint32 id = engine.queueHead(marketId, isLong, bucket); id != 0;) {
            QueueNode memory n = engine.queueNode(id);
            if (id != positionId) {
                if (!AdlQueue.ranksBefore(n.k, id, k, positionId, isLong)) return hint;
                hint = id;
            }
            id = n.next;
        }
    }

    /// @notice Insurance, ADL debts and pnl factors of a market.
    function marketAdlState(uint32 marketId) external view returns (MarketAdlState memory r) {
        MarketState memory s = engine.marketState(marketId);
        MarketConfig memory c = engine.marketConfig(marketId);
        (r.insuranceFund, , r.insuranceCoverage) = this.insuranceCoverage();
        r.longAdlDebt = s.longAdlDebt;
        r.shortAdlDebt = s.shortAdlDebt;
        r.longPnlFactor = engine.pnlFactor(marketId, true);
        r.shortPnlFactor = engine.pnlFactor(marketId, false);
        r.maxPnlFactor = c.maxPnlFactor;
        r.targetPnlFactor = c.targetPnlFactor;
    }

    function _openMerge(uint32 marketId, bool isLong, int256 x) private view returns (Merge memory m) {
        m.x = x;
        m.isLong = isLong;
        uint256[4] memory nonEmpty = engine.queueBuckets(marketId, isLong);
        for (uint256 w = 0; w < 4; ++w) {
            for (uint256 word = nonEmpty[w]; word != 0; word &= word - 1) ++m.open;
        }
        (m.bucket, m.cursor, m.key, m.after_) = (new uint256[](m.open), new uint32[](m.open), new int256[](m.open), new uint32[](m.open));
        uint256 slot;
        for (uint256 b = 0; b < AdlGrid.BUCKET_COUNT && slot < m.open; ++b) {
            if ((nonEmpty[b >> 8] >> (b & 255)) & 1 == 0) continue;
            m.bucket[slot] = b;
            _advance(m, slot++, engine.queueHead(marketId, isLong, uint16(b)));
        }
    }

    /// @dev Points a bucket's cursor at `id`, caching its key and successor: one read per position.
    function _advance(Merge memory m, uint256 slot, uint32 id) private view {
        m.cursor[slot] = id;
        if (id == 0) return;
        QueueNode memory node = engine.queueNode(id);
        (m.key[slot], m.after_[slot]) = (node.k, node.next);
    }

    function _bestCursor(Merge memory m) private pure returns (uint256 bestSlot, int256 bestScore, bool any) {
        for (uint256 i = 0; i < m.open; ++i) {
            uint32 id = m.cursor[i];
            if (id == 0) continue;
            int256 s = AdlGrid.score(m.bucket[i], m.key[i], m.x, m.isLong);
            if (!any || AdlQueue.outranks(s, id, bestScore, m.cursor[bestSlot])) (bestSlot, bestScore, any) = (i, s, true);
        }
    }

    function _x(uint32 marketId) private view returns (int256) {
        (uint256 price, int256 index) = _priceAndIndex(marketId, engine.marketConfig(marketId));
        return int256(price) - index;
    }

    function _priceAndIndex(uint32 marketId, MarketConfig memory c) private view returns (uint256 price, int256 index) {
        MarketState memory s = engine.marketState(marketId);
        price = c.oracle.price();
        (index, ) = FundingLib.indexAt(c, s.fundingIndex, s.lastFundingTime, s.longSize, s.shortSize, price, block.timestamp);
    }

    /// @dev Solves equity(P) = maintenanceRate(tier at P) * notional(P) for each tier and keeps the
    /// solutions whose notional really falls in that tier: the highest for a long, the lowest for a short.
    /// Exact in real numbers; the engine's own roundings (an atom or two) can trigger a hair earlier.
    function _liquidationPrice(
        Position memory p,
        MarketConfig memory c,
        int256 adjustedEntry,
        uint256 divisor
    ) private pure returns (uint256 best) {
        uint256 absSize = PerpMath.abs(p.size);
        int256 cushion = int256(Math.mulDiv(p.margin, divisor, absSize));
        bool found;
        for (uint256 t = 0; t < c.tierCount; ++t) {
            uint256 rate = c.tiers[t].maintenanceMarginRate;
            int256 numerator = p.size > 0 ? adjustedEntry - cushion : adjustedEntry + cushion;
            if (numerator <= 0) continue;
            uint256 candidate =
                p.size > 0
                    ? Math.mulDiv(uint256(numerator), PerpMath.WAD, PerpMath.WAD - rate, Math.Rounding.Ceil)
                    : Math.mulDiv(uint256(numerator), PerpMath.WAD, PerpMath.WAD + rate);
            (RiskTier memory tier, ) = MarketConfigLib.tierFor(c, absSize.notionalUp(candidate, divisor));
            if (tier.maintenanceMarginRate != rate) continue;
            if (!found || (p.size > 0 ? candidate > best : candidate < best)) best = candidate;
            found = true;
        }
    }
}
