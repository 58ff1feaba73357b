// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {AdlGrid} from "../adl/AdlGrid.sol";
import {AdlQueue, SideQueue} from "../adl/AdlQueue.sol";
import {IEngineState} from "../interfaces/IEngineState.sol";
import {FundingLib} from "../libraries/FundingLib.sol";
import {PerpMath} from "../libraries/PerpMath.sol";
import {PositionMath} from "../libraries/PositionMath.sol";
import {MAX_MARKETS, MarketConfig, MarketState, Order, OrderSettings, Position} from "../types/PerpTypes.sol";

/// @title EngineBase
/// @notice Storage and the ledger primitives shared by every action. Every token the protocol holds
/// sits in this contract and is owed to exactly one of four ledgers: free balances, position margins,
/// the insurance fund, and the vault's cash. Each action moves amounts between ledgers so that their
/// sum is conserved; only deposits and withdrawals change it, together with the token balance.
abstract contract EngineBase is IEngineState, Ownable2Step, ReentrancyGuardTransient {
    using SafeCast for uint256;
    using SafeCast for int256;
    using PerpMath for uint256;

    /// @notice How far against the vault a market whose feed is stale is valued: 10% of its last price.
    uint256 public constant STALE_VALUATION_HAIRCUT = 0.1e18;

    /// @dev Keeps every position id within the uint32 the ADL queue links use.
    uint256 internal constant MAX_ACCOUNTS = type(uint32).max / MAX_MARKETS - 1;

    IERC20Metadata public immutable collateralToken;
    /// @notice size(1e18) * price(WAD) / valueDivisor = token atoms; 10**(36 - token decimals).
    uint256 public immutable valueDivisor;

    /// @dev The two protocol-owned ledgers share one slot: trades and liquidations write both.
    struct Ledgers {
        uint128 insuranceFund;
        uint128 vaultCash;
    }

    /// @dev An account gets its number when it is first credited. The number makes its position
    /// ids (number * MAX_MARKETS + marketId), so opening a position writes no index slot; and being
    /// non-zero it keeps the slot live, so crediting an account whose collateral all went into margin
    /// (a close, a liquidation remainder, every ADL fill) rewrites it (~5k gas) instead of a cleared
    /// slot (~22k).
    struct Account {
        uint224 freeBalance;
        uint32 number;
    }

    // One slot, read by every trade (pause, market count).
    address public vault;
    bool public riskPaused;
    uint32 public accountCount;
    uint16 internal _marketCount;

    address public guardian;
    Ledgers internal _ledgers;

    mapping(address account => Account) internal _accounts;
    mapping(uint256 positionId => Position) internal _positions;
    mapping(uint32 marketId => MarketConfig) internal _configs;
    mapping(uint32 marketId => MarketState) internal _states;
    mapping(uint32 marketId => SideQueue) internal _longQueues;
    mapping(uint32 marketId => SideQueue) internal _shortQueues;

    /// @dev The pending orders (OrderModule). Escrow is the fifth ledger: what they hold for their owners.
    struct OrderBook {
        OrderSettings settings;
        uint256 count;
        uint256 escrow;
        mapping(uint256 orderId => Order) orders;
    }

    OrderBook internal _orderBook;

    constructor(IERC20Metadata token, address initialOwner) Ownable(initialOwner) {
        uint8 decimals = token.decimals();
        if (decimals < 6 || decimals > 18) revert UnsupportedDecimals(decimals);
        collateralToken = token;
        valueDivisor = 10 ** (36 - uint256(decimals));
    }

    // ─── Markets and prices ─────────────────────────────────────────────────────────────────

    function _config(uint32 marketId) internal view returns (MarketConfig memory) {
        if (marketId >= _marketCount) revert UnknownMarket(marketId);
        return _configs[marketId];
    }

    /// @dev The parameters a trade reads, without the liquidation-only fields (penalty, buffer,
    /// keeper reward, chunk size), which stay zero here, and without the risk tiers, which
    /// _loadTiersFor adds once the notional is known. It saves cold storage reads on every trade;
    /// liquidation paths must use _config.
    function _tradingConfig(uint32 marketId) internal view returns (MarketConfig memory c) {
        if (marketId >= _marketCount) revert UnknownMarket(marketId);
        MarketConfig storage stored = _configs[marketId];
        c.oracle = stored.oracle;
        c.tradingFeeRate = stored.tradingFeeRate;
        c.insuranceFeeShare = stored.insuranceFeeShare;
        c.minPositionNotional = stored.minPositionNotional;
        c.maxLongSize = stored.maxLongSize;
        c.maxShortSize = stored.maxShortSize;
        c.maxFundingRatePerSecond = stored.maxFundingRatePerSecond;
        c.skewScale = stored.skewScale;
        c.tierCount = stored.tierCount;
        c.impactSkewScale = stored.impactSkewScale;
    }

    /// @dev Loads the risk tiers up to the one that covers `notional` (all of them if none does):
    /// MarketConfigLib.tierFor reads no further, so most trades read one tier, not all of them.
    function _loadTiersFor(MarketConfig memory c, uint32 marketId, uint256 notional) internal view {
        MarketConfig storage stored = _configs[marketId];
        for (uint256 i = 0; i < c.tierCount; ++i) {
            c.tiers[i] = stored.tiers[i];
            if (notional <= c.tiers[i].maxNotional) return;
        }
    }

    /// @dev Reads the validated oracle price and brings the funding index up to now.
    function _priceAndAccrue(uint32 marketId, MarketConfig memory c) internal returns (uint256 price, int256 index) {
        price = c.oracle.price();
        index = _accrueAt(marketId, c, price);
    }

    /// @dev Brings the funding index up to now, with the skew's rate at `price`.
    function _accrueAt(uint32 marketId, MarketConfig memory c, uint256 price) internal returns (int256 index) {
        MarketState storage s = _states[marketId];
        if (s.lastFundingTime == block.timestamp) return s.fundingIndex;
        int256 rate;
        (index, rate) = FundingLib.indexAt(c, s.fundingIndex, s.lastFundingTime, s.longSize, s.shortSize, price, block.timestamp);
        s.fundingIndex = index.toInt128();
        s.lastFundingTime = uint64(block.timestamp);
        emit FundingAccrued(marketId, index, rate, block.timestamp);
    }

    // ─── Positions ──────────────────────────────────────────────────────────────────────────

    /// @dev Realises pending funding: returns the amount to add to the margin (negative when the
    /// position pays) and moves the snapshot to `index`.
    function _settleFunding(Position memory p, int256 index) internal view returns (int256 fundingPnl) {
        return PositionMath.settleFunding(p, index, valueDivisor);
    }

    /// @dev Keeps the per-side open interest and sum(|size| * k) in step with one position's change.
    function _updateSideTotals(uint32 marketId, Position memory before, Position memory afterwards) internal {
        bool isLong = (before.size != 0 ? before.size : afterwards.size) > 0;
        uint256 absBefore = PerpMath.abs(before.size);
        uint256 absAfter = PerpMath.abs(afterwards.size);
        int256 sizeKDelta = int256(absAfter) * _k(afterwards) - int256(absBefore) * _k(before);
        _changeSideTotals(marketId, isLong, int256(absAfter) - int256(absBefore), sizeKDelta);
    }

    function _changeSideTotals(uint32 marketId, bool isLong, int256 sizeDelta, int256 sizeKDelta) internal {
        MarketState storage s = _states[marketId];
        if (isLong) {
            s.longSize = uint256(int256(uint256(s.longSize)) + sizeDelta).toUint128();
            s.longSizeK += sizeKDelta;
        } else {
            s.shortSize = uint256(int256(uint256(s.shortSize)) + sizeDelta).toUint128();
            s.shortSizeK += sizeKDelta;
        }
    }

    function _k(Position memory p) internal pure returns (int256) {
        return int256(uint256(p.entryPrice)) - p.fundingSnapshot;
    }

    /// @dev The ADL bucket of an open position: the one its current slope maps to.
    function _bucketOf(Position memory p) internal view returns (uint16) {
        return AdlGrid.bucketOf(PerpMath.abs(p.size), p.margin, valueDivisor);
    }

    /// @inheritdoc IEngineState
    function positionIdOf(address account, uint32 marketId) public view returns (uint256 positionId) {
        positionId = positionIdFor(account, marketId);
        if (positionId != 0 && _positions[positionId].size == 0) return 0;
    }

    /// @inheritdoc IEngineState
    function positionIdFor(address account, uint32 marketId) public view returns (uint256) {
        uint256 number = _accounts[account].number;
        return number == 0 ? 0 : number * MAX_MARKETS + marketId;
    }

    /// @dev Writes the position, keeps its ADL queue membership in step (`hint`: the position that
    /// should precede it in its new bucket, 0 for the head) and emits its full new state.
    function _storePosition(uint256 positionId, Position memory p, int256 sizeDelta, uint256 fillPrice, uint256 fee, uint32 hint) internal {
        Position memory stored = _positions[positionId];
        _trackSideMargin(stored, p);
        _syncQueue(positionId, stored, p, hint);
        if (p.size == 0) {
            delete _positions[positionId];
        } else {
            _positions[positionId] = p;
        }
        emit PositionUpdated(
            positionId,
            p.account,
            p.marketId,
            p.size,
            p.margin,
            p.entryPrice,
            p.fundingSnapshot,
            sizeDelta,
            fillPrice,
            fee
        );
    }

    /// @dev Keeps each side's total margin in step with every position write (the reserve's bound).
    function _trackSideMargin(Position memory stored, Position memory p) private {
        int256 delta = int256(uint256(p.margin)) - int256(uint256(stored.margin));
        if (delta == 0) return;
        MarketState storage s = _states[p.marketId];
        // A closed position (size 0) is written with margin 0; its side is the stored one.
        if ((stored.size != 0 ? stored.size : p.size) > 0) {
            s.longMargin = uint256(int256(uint256(s.longMargin)) + delta).toUint128();
        } else {
            s.shortMargin = uint256(int256(uint256(s.shortMargin)) + delta).toUint128();
        }
    }

    // ─── ADL queue membership ───────────────────────────────────────────────────────────────

    function _queue(uint32 marketId, bool isLong) internal view returns (SideQueue storage) {
        return isLong ? _longQueues[marketId] : _shortQueues[marketId];
    }

    /// @dev Membership follows every change of size, margin or funding snapshot. Called before the
    /// position is written, so storage still holds its old state and place: a position whose bucket
    /// or k changed is unlinked and reinserted; one whose bucket and k are unchanged keeps its links.
    /// Sets `p`'s links for the write that follows.
    function _syncQueue(uint256 positionId, Position memory stored, Position memory p, uint32 hint) private {
        (p.adlPrev, p.adlNext) = (stored.adlPrev, stored.adlNext);
        bool isLong = p.size > 0;
        uint16 bucket;
        int128 k;
        if (p.size != 0) (bucket, k) = (_bucketOf(p), _k(p).toInt128());
        if (stored.size != 0) {
            uint16 storedBucket = _bucketOf(stored);
            int128 storedK = int128(_k(stored));
            if (p.size != 0 && storedBucket == bucket && storedK == k) return;
            AdlQueue.remove(_queue(stored.marketId, stored.size > 0), _positions, uint32(positionId), storedBucket);
            emit QueueUpdated(positionId, stored.marketId, stored.size > 0, false, storedBucket, storedK);
        }
        if (p.size == 0) return;
        (p.adlPrev, p.adlNext) = AdlQueue.insert(
            _queue(p.marketId, isLong),
            _positions,
            valueDivisor,
            positionId.toUint32(),
            p.marketId,
            isLong,
            bucket,
            k,
            hint
        );
        emit QueueUpdated(positionId, p.marketId, isLong, true, bucket, k);
    }

    // ─── Ledgers ────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IEngineState
    function freeBalance(address account) public view returns (uint256) {
        return _accounts[account].freeBalance;
    }

    function _creditFree(address account, uint256 amount) internal {
        if (amount == 0) return;
        Account memory a = _accounts[account];
        if (a.number == 0) a.number = _register(account);
        uint256 balance = a.freeBalance + amount;
        _accounts[account] = Account(balance.toUint224(), a.number);
        emit BalanceChanged(account, balance, amount.toInt256());
    }

    function _debitFree(address account, uint256 amount) internal {
        Account memory a = _accounts[account];
        if (amount > a.freeBalance) revert InsufficientBalance(account, a.freeBalance, amount);
        uint256 balance = a.freeBalance - amount;
        _accounts[account] = Account(uint224(balance), a.number);
        emit BalanceChanged(account, balance, -amount.toInt256());
    }

    /// @dev Gives `account` the next account number. The caller stores it.
    function _register(address account) internal returns (uint32 number) {
        if (accountCount >= MAX_ACCOUNTS) revert AccountLimitReached(MAX_ACCOUNTS);
        number = ++accountCount;
        emit AccountRegistered(account, number);
    }

    function insuranceFund() public view returns (uint256) {
        return _ledgers.insuranceFund;
    }

    function vaultCash() public view returns (uint256) {
        return _ledgers.vaultCash;
    }

    /// @dev Applies both protocol ledger deltas with one write. Insurance callers never draw more
    /// than the fund holds, so it cannot go negative; the vault's cash reverts if it would.
    function _changeLedgers(int256 insuranceDelta, int256 vaultCashDelta) internal {
        if (insuranceDelta == 0 && vaultCashDelta == 0) return;
        Ledgers memory current = _ledgers;
        int256 cash = int256(uint256(current.vaultCash)) + vaultCashDelta;
        if (cash < 0) revert InsufficientVaultCash(current.vaultCash, uint256(-vaultCashDelta));
        uint256 fund = uint256(int256(uint256(current.insuranceFund)) + insuranceDelta);
        _ledgers = Ledgers(fund.toUint128(), uint256(cash).toUint128());
        emit LedgersChanged(fund, uint256(cash), insuranceDelta, vaultCashDelta);
    }

    // ─── Vault accounting views ─────────────────────────────────────────────────────────────

    /// @inheritdoc IEngineState
    function vaultEquity() public view returns (int256 equity) {
        (equity, ) = vaultValuation();
    }

    /// @inheritdoc IEngineState
    function vaultValuation() public view returns (int256 equity, bool allFresh) {
        equity = int256(vaultCash());
        allFresh = true;
        for (uint32 m = 0; m < _marketCount; ++m) {
            (int256 longPnl, int256 shortPnl, bool fresh) = _valuedSidePnl(m);
            equity -= longPnl + shortPnl;
            allFresh = allFresh && fresh;
        }
    }

    /// @inheritdoc IEngineState
    /// @dev A side's winners may claim its net PnL plus whatever its losers lose, and no loser loses
    /// more than its margin before it is liquidated: sum(profit) = net + sum(loss) <= net + margins.
    /// Netting winners against losers alone would let LPs take the cash a winner needs while the
    /// loser has not paid yet.
    function reservedTraderProfit() public view returns (uint256 reserved) {
        for (uint32 m = 0; m < _marketCount; ++m) {
            (int256 longPnl, int256 shortPnl, ) = _valuedSidePnl(m);
            MarketState storage s = _states[m];
            reserved += _sideReserve(longPnl, s.longMargin) + _sideReserve(shortPnl, s.shortMargin);
        }
    }

    function _sideReserve(int256 netPnl, uint256 margins) private pure returns (uint256) {
        int256 claimable = netPnl + int256(margins);
        return claimable > 0 ? uint256(claimable) + 1 : 0; // +1 rounds the reserve up
    }

    /// @notice Aggregate unrealised PnL net of pending funding of each side, at the current price.
    function sidePnl(uint32 marketId) public view returns (int256 longPnl, int256 shortPnl) {
        MarketConfig memory c = _config(marketId);
        return _sidePnlAt(marketId, c, c.oracle.price());
    }

    /// @dev Each side's PnL for the vault's accounting. A market whose feed is stale is valued at its
    /// last answer moved STALE_VALUATION_HAIRCUT against the vault on each side (longs higher,
    /// shorts lower), so a dead feed in one market never blocks the vault, and what it lets LPs
    /// withdraw is what the worse valuation still justifies.
    function _valuedSidePnl(uint32 marketId) internal view returns (int256 longPnl, int256 shortPnl, bool fresh) {
        MarketConfig memory c = _config(marketId);
        uint256 price;
        (price, fresh) = c.oracle.valuationPrice();
        if (fresh) {
            (longPnl, shortPnl) = _sidePnlAt(marketId, c, price);
        } else {
            (longPnl, ) = _sidePnlAt(marketId, c, price.mulWadUp(PerpMath.WAD + STALE_VALUATION_HAIRCUT));
            (, shortPnl) = _sidePnlAt(marketId, c, price.mulWadDown(PerpMath.WAD - STALE_VALUATION_HAIRCUT));
        }
    }

    function _sidePnlAt(uint32 marketId, MarketConfig memory c, uint256 price) private view returns (int256 longPnl, int256 shortPnl) {
        MarketState memory s = _states[marketId];
        (int256 index, ) = FundingLib.indexAt(c, s.fundingIndex, s.lastFundingTime, s.longSize, s.shortSize, price, block.timestamp);
        int256 x = int256(price) - index;
        longPnl = PerpMath.traderValueFloor(1, int256(uint256(s.longSize)) * x - s.longSizeK, valueDivisor);
        shortPnl = PerpMath.traderValueFloor(1, s.shortSizeK - int256(uint256(s.shortSize)) * x, valueDivisor);
    }

    /// @inheritdoc IEngineState
    function pnlFactor(uint32 marketId, bool isLong) public view returns (uint256) {
        (int256 longPnl, int256 shortPnl) = sidePnl(marketId);
        int256 pnl = isLong ? longPnl : shortPnl;
        if (pnl <= 0) return 0;
        int256 assets = vaultEquity();
        if (assets <= 0) return type(uint256).max;
        return Math.mulDiv(uint256(pnl), PerpMath.WAD, uint256(assets));
    }
}
