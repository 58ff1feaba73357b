// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {OrderActions} from "./OrderActions.sol";

/// @title LpRequestActions
/// @notice The handler's LP: it requests deposits and redemptions, a keeper settles every pending
/// request in one batch, the LP cancels, and the ETH feed goes dark for a while (an outage) so that
/// requests meet stale valuations, crashes and insolvency. Each observation that would break an
/// invariant is counted in a ghost that must stay zero.
abstract contract LpRequestActions is OrderActions {
    /// @notice Pending request ids, in request order.
    uint256[] public pendingIds;
    /// @notice Shares escrowed by pending redemption requests, by this handler's own count.
    uint256 public pendingRedeemShares;
    /// @notice Assets escrowed by pending deposit requests, by this handler's own count.
    uint256 public pendingDepositAssetsModel;

    // Ghosts: each counts a violation and must stay zero.
    uint256 public settledBeforeDue;
    uint256 public batchReverted;
    uint256 public escrowNotReturned;
    uint256 public redemptionsIntoReserve;
    // Coverage, for the report.
    uint256 public depositsSettled;
    uint256 public redemptionsSettled;
    uint256 public requestsCancelled;
    uint256 public requestsSkipped;
    uint256 public outages;

    function lpRequestDeposit(uint256 amount) external {
        amount = bound(amount, 1e6, 500_000e6);
        _fund(lp, amount);
        vm.prank(lp);
        pendingIds.push(vault.requestDeposit(amount, lp));
        pendingDepositAssetsModel += amount;
    }

    function lpRequestRedeem(uint256 fractionBps) external {
        uint256 shares = (vault.balanceOf(lp) * bound(fractionBps, 1, 10_000)) / 10_000;
        if (shares == 0) return;
        vm.prank(lp);
        try vault.requestRedeem(shares, lp) returns (uint256 id) {
            pendingIds.push(id);
            pendingRedeemShares += shares;
        } catch {}
    }

    /// A keeper settles every pending request in one batch, which must never revert; each request
    /// that settled must have been due by this handler's own reading of the rule. With
    /// `afterNextRound` it settles as a live keeper does: after MIN_REQUEST_DELAY and the feed's next
    /// round (at the same price), so that settlements are common in a run.
    function lpSettle(bool afterNextRound) external {
        uint256 count = pendingIds.length;
        if (count == 0) return;
        if (afterNextRound) {
            vm.warp(block.timestamp + vault.MIN_REQUEST_DELAY());
            feed.setAnswer(answer);
        }
        bool[] memory due = new bool[](count);
        for (uint256 i = 0; i < count; ++i) due[i] = _dueByRule(pendingIds[i]);
        uint256[] memory ids = pendingIds;
        vm.prank(keeper);
        try vault.settleRequests(ids) {} catch {
            ++batchReverted;
            return;
        }
        for (uint256 i = count; i > 0; --i) {
            uint256 id = ids[i - 1];
            (address owner, , , , ) = vault.requests(id);
            if (owner != address(0)) {
                ++requestsSkipped;
                continue;
            }
            if (!due[i - 1]) ++settledBeforeDue;
            if (isDepositOf[id]) {
                pendingDepositAssetsModel -= amountOf[id];
                ++depositsSettled;
            } else {
                pendingRedeemShares -= amountOf[id];
                ++redemptionsSettled;
                if (engine.vaultCash() < engine.reservedTraderProfit()) ++redemptionsIntoReserve;
            }
            _removePending(i - 1);
        }
    }

    /// The LP cancels one of its requests once it may, and must get exactly its escrow back.
    function lpCancel(uint256 seed) external {
        if (pendingIds.length == 0) return;
        uint256 index = seed % pendingIds.length;
        uint256 id = pendingIds[index];
        (, uint40 requestedAt, bool isDeposit, , uint256 amount) = vault.requests(id);
        uint256 cancellableAt = uint256(requestedAt) + vault.CANCEL_DELAY();
        if (block.timestamp < cancellableAt) vm.warp(cancellableAt);
        uint256 before = isDeposit ? token.balanceOf(lp) : vault.balanceOf(lp);
        vm.prank(lp);
        vault.cancelRequest(id);
        uint256 afterwards = isDeposit ? token.balanceOf(lp) : vault.balanceOf(lp);
        if (afterwards - before != amount) ++escrowNotReturned;
        if (isDeposit) pendingDepositAssetsModel -= amount;
        else pendingRedeemShares -= amount;
        ++requestsCancelled;
        _removePending(index);
    }

    /// The feed publishes nothing for longer than its heartbeat: stale until the next price move.
    function feedOutage(uint256 secondsAhead) external {
        vm.warp(block.timestamp + bound(secondsAhead, 1 days + 1, 3 days));
        ++outages;
    }

    /// @dev The vault's request record, by id; the handler's copy of the kind and amount, since a
    /// settled request reads as zero.
    mapping(uint256 id => bool) internal isDepositOf;
    mapping(uint256 id => uint256) internal amountOf;

    /// @dev MIN_REQUEST_DELAY old, and the feed published after the request, or (a redemption only)
    /// the feed is stale and the market is valued with the haircut.
    function _dueByRule(uint256 id) private returns (bool) {
        (, uint40 requestedAt, bool isDeposit, , uint256 amount) = vault.requests(id);
        (isDepositOf[id], amountOf[id]) = (isDeposit, amount);
        if (block.timestamp < uint256(requestedAt) + vault.MIN_REQUEST_DELAY()) return false;
        (, , , uint256 updatedAt, ) = feed.latestRoundData();
        if (updatedAt > requestedAt) return true;
        return !isDeposit && block.timestamp - updatedAt > 1 days;
    }

    function _removePending(uint256 index) private {
        pendingIds[index] = pendingIds[pendingIds.length - 1];
        pendingIds.pop();
    }

    function pendingCount() external view returns (uint256) {
        return pendingIds.length;
    }
}
