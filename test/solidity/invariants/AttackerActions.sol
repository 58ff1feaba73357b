// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AdlGrid} from "../../../contracts/adl/AdlGrid.sol";
import {MarketConfig, Position} from "../../../contracts/types/PerpTypes.sol";
import {RecordedCalls} from "./RecordedCalls.sol";
import {ReferenceMath} from "./ReferenceMath.sol";

/// @title AttackerActions
/// @notice The handler's attacker, who tries to block liquidations and ADL fills through the queue
/// (issue 7): it stuffs buckets with minimum-size positions from many accounts, places positions
/// with a slope exactly on a bucket's lower edge with dust just below, front-runs a hinted call by
/// moving the hinted neighbour with addMargin, and trades with stale hints. Its accounts join
/// `actors`, so every invariant and the liveness checks (INV-12, INV-13) cover them.
abstract contract AttackerActions is RecordedCalls {
    uint256 internal constant MAX_ATTACKER_ACCOUNTS = 40;

    // Ghosts: each counts a violation and must stay zero.
    uint256 public staleHintReverts;
    uint256 public hintChangedOutcome;
    // Coverage, for the report.
    uint256 public attackerAccounts;
    uint256 public dustOpened;
    uint256 public edgePositionsOpened;
    uint256 public frontRuns;

    /// @notice Fills the bucket of any open position, or the one just below it (where a partial ADL
    /// fill of a position on its lower edge would fall), with minimum-size positions from fresh accounts.
    function stuffBucket(uint256 targetSeed, uint256 countSeed, bool below) external {
        uint256 id = engine.positionIdOf(_anyAccount(targetSeed), MARKET);
        if (id == 0) return;
        Position memory p = engine.position(id);
        uint16 bucket = AdlGrid.bucketOf(_abs(p.size), p.margin, D);
        if (below && bucket > 0) --bucket;
        _stuff(bucket, p.size > 0, bound(countSeed, 1, 4));
    }

    /// @notice Throw-away minimum-size positions at 18x, which outrank most real positions once in
    /// profit: they take a bankrupt liquidation's inline ADL fills (at most eight) while paying
    /// almost nothing, so debt is left for `deleverage` (INV-13).
    function stuffTop(uint256 countSeed, bool isLong) external {
        _stuff(AdlGrid.bucketOfSlope((18 * 1e36) / _price()), isLong, bound(countSeed, 4, 12));
    }

    /// @notice The bucket-edge trap: a position whose slope |size| / margin is exactly the lower edge
    /// of its bucket, so that a fill releasing margin rounded down would drop it a bucket, with dust
    /// placed in that bucket below.
    function openOnBucketEdge(uint256 marginSeed, uint256 leverageSeed, uint256 dustSeed, bool isLong) external {
        if (attackerAccounts >= MAX_ATTACKER_ACCOUNTS) return;
        // At least one whole token of margin: the slope's rounding step (1e6 / margin) is then below 1,
        // so the rounded-up size below puts the slope on the edge exactly.
        uint256 margin = bound(marginSeed, 1e6, 20_000e6);
        uint256 leverage = bound(leverageSeed, 2, 18);
        uint16 bucket = AdlGrid.bucketOfSlope((leverage * 1e36) / _price());
        uint256 absSize = ReferenceMath.ceilDiv(AdlGrid.edge(bucket) * D * margin, 1e36);
        if (_openExact(_newAttackerAccount(), isLong, absSize, margin)) ++edgePositionsOpened;
        if (bucket > 0) _stuff(bucket - 1, isLong, bound(dustSeed, 0, 3));
    }

    /// @notice A position's owner adds margin with the exact hint for its new place, as a keeper or
    /// frontend computes it; the hinted neighbour's owner front-runs it by adding margin to the
    /// neighbour, which moves it. The amount moves the victim into another position's (lower) bucket,
    /// where a hint is needed. The stale hint must cost gas, never a revert: addMargin has no other
    /// way to fail here, so any revert counts.
    function frontRunHintedAddMargin(uint256 victimSeed, uint256 targetSeed, uint256 frontRunSeed) external {
        address victim = _anyAccount(victimSeed);
        uint256 id = engine.positionIdOf(victim, MARKET);
        if (id == 0) return;
        Position memory p = engine.position(id);
        uint256 amount = _marginIntoBucketOf(p, engine.positionIdOf(_anyAccount(targetSeed), MARKET));
        if (amount == 0) return;
        uint16 bucketAfter = AdlGrid.bucketOf(_abs(p.size), p.margin + amount, D);
        int256 k = int256(uint256(p.entryPrice)) - p.fundingSnapshot; // addMargin settles nothing, so k stays
        uint32 hint = lens.adlInsertHint(MARKET, p.size > 0, bucketAfter, k, id);
        if (hint != 0) {
            address neighbour = engine.position(hint).account;
            uint256 frontRunAmount = bound(frontRunSeed, 1, 20_000e6);
            _deposit(neighbour, frontRunAmount);
            vm.prank(neighbour);
            engine.addMargin(MARKET, frontRunAmount, 0);
            ++frontRuns;
        }
        _deposit(victim, amount);
        (bool ok, ) = _call(victim, abi.encodeCall(engine.addMargin, (MARKET, amount, hint)), 0);
        if (!ok) ++staleHintReverts;
    }

    /// @notice Resizes a position with a stale or meaningless hint: another account's position (of
    /// either side, maybe closed) or an id that never existed. The call must do exactly what it does
    /// with hint 0 (same success or revert data, same resulting size and margin): a hint only saves gas.
    function staleHintModify(uint256 actorSeed, int256 deltaBps, uint256 hintSeed) external {
        address actor = _anyAccount(actorSeed);
        uint256 id = engine.positionIdOf(actor, MARKET);
        if (id == 0) return;
        int256 size = engine.position(id).size;
        int256 delta = (size * bound(deltaBps, -9_999, 10_000)) / 10_000;
        if (delta == 0) return;
        uint32 hint = hintSeed % 4 == 0 ? uint32(hintSeed >> 8) : uint32(engine.positionIdFor(_anyAccount(hintSeed >> 2), MARKET));
        uint256 acceptable = delta > 0 ? type(uint256).max : 0;

        uint256 snapshot = vm.snapshotState();
        vm.prank(actor);
        (bool okWithout, bytes memory retWithout) = address(engine).call(
            abi.encodeCall(engine.modifyPosition, (MARKET, delta, acceptable, block.timestamp, 0))
        );
        Position memory without = engine.position(id);
        vm.revertToState(snapshot);

        (bool ok, bytes memory ret) = _call(
            actor,
            abi.encodeCall(engine.modifyPosition, (MARKET, delta, acceptable, block.timestamp, hint)),
            0
        );
        Position memory with = engine.position(id);
        if (ok != okWithout || keccak256(ret) != keccak256(retWithout) || with.size != without.size || with.margin != without.margin) {
            ++hintChangedOutcome;
        }
    }

    // ─── Helpers ────────────────────────────────────────────────────────────────────────────

    /// @dev Opens `count` positions of the market's minimum notional, each from a fresh account, with
    /// their slope at (or a rounding step above) `bucket`'s lower edge.
    function _stuff(uint16 bucket, bool isLong, uint256 count) private {
        uint256 absSize = ReferenceMath.ceilDiv(engine.marketConfig(MARKET).minPositionNotional * D, _price());
        uint256 margin = (absSize * 1e36) / (D * AdlGrid.edge(bucket));
        if (margin == 0 || margin > 100_000e6) return;
        for (uint256 i = 0; i < count && attackerAccounts < MAX_ATTACKER_ACCOUNTS; ++i) {
            if (_openExact(_newAttackerAccount(), isLong, absSize, margin)) ++dustOpened;
        }
    }

    /// @dev Opens a position that holds exactly `margin` after the trading fee, with hint 0.
    function _openExact(address account, bool isLong, uint256 absSize, uint256 margin) private returns (bool ok) {
        MarketConfig memory c = engine.marketConfig(MARKET);
        uint256 fee = ReferenceMath.ceilDiv(ReferenceMath.ceilDiv(absSize * _price(), D) * c.tradingFeeRate, ReferenceMath.WAD);
        _deposit(account, margin + fee);
        int256 size = isLong ? int256(absSize) : -int256(absSize);
        ok = _riskCall(
            account,
            abi.encodeCall(engine.openPosition, (MARKET, size, margin + fee, isLong ? type(uint256).max : 0, block.timestamp, 0))
        );
    }

    /// @dev The margin to add to `p` so that its slope lands on the lower edge of the bucket of
    /// `targetId` (same side, lower slope); 0 when there is no such target.
    function _marginIntoBucketOf(Position memory p, uint256 targetId) private view returns (uint256) {
        if (targetId == 0) return 0;
        Position memory t = engine.position(targetId);
        if ((t.size > 0) != (p.size > 0)) return 0;
        uint16 targetBucket = AdlGrid.bucketOf(_abs(t.size), t.margin, D);
        uint256 margin = (_abs(p.size) * 1e36) / (D * AdlGrid.edge(targetBucket));
        return margin > p.margin && margin - p.margin <= 100_000e6 ? margin - p.margin : 0;
    }

    function _newAttackerAccount() private returns (address account) {
        account = address(uint160(0xBAD000 + ++attackerAccounts));
        actors.push(account);
    }

    function _abs(int256 x) internal pure returns (uint256) {
        return x >= 0 ? uint256(x) : uint256(-x);
    }
}
