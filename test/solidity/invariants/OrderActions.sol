// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ORDER_MARKET, Order, OrderRequest} from "../../../contracts/types/PerpTypes.sol";
import {AttackerActions} from "./AttackerActions.sol";

/// @title OrderActions
/// @notice The two-step path in the invariant run: traders request market orders (opening, and
/// reduce-only closes), the keeper executes them at a round published after the request, and owners
/// cancel. The handler keeps the ids it believes pending, so the invariants can check the escrow
/// ledger against the orders themselves.
abstract contract OrderActions is AttackerActions {
    uint256[] public pendingOrders;
    // Coverage counters, for the report.
    uint256 public ordersExecuted;
    uint256 public ordersCancelled;

    function placeOrder(uint256 actorSeed, uint256 notionalSeed, uint256 leverageSeed, bool isLong, bool closing) external {
        address actor = _actor(actorSeed);
        OrderRequest memory r;
        r.marketId = MARKET;
        r.kind = ORDER_MARKET;
        r.executionFee = engine.orderSettings().minExecutionFee;
        r.expiresAt = block.timestamp + 1 hours;
        uint256 positionId = engine.positionIdOf(actor, MARKET);
        if (closing) {
            if (positionId == 0) return;
            r.reduceOnly = true;
            r.sizeDelta = -engine.position(positionId).size;
        } else {
            uint256 notional = bound(notionalSeed, 100e6, 300_000e6);
            r.marginIn = notional / bound(leverageSeed, 1, 25) + 1e6;
            uint256 absSize = (notional * D) / _price();
            r.sizeDelta = isLong ? int256(absSize) : -int256(absSize);
            r.acceptablePrice = isLong ? type(uint128).max : 0;
        }
        if (r.sizeDelta == 0) return;
        _deposit(actor, r.marginIn + r.executionFee);
        vm.prank(actor);
        try engine.createOrder(r) returns (uint256 orderId) {
            pendingOrders.push(orderId);
        } catch {}
    }

    /// The keeper executes one pending order with a round it publishes at the handler's price.
    function executeOrder(uint256 orderSeed) external {
        if (pendingOrders.length == 0) return;
        uint256 index = orderSeed % pendingOrders.length;
        uint256 orderId = pendingOrders[index];
        vm.warp(block.timestamp + engine.orderSettings().minExecutionDelay);
        feed.setAnswer(answer);
        (uint80 roundId, , , , ) = feed.latestRoundData();
        vm.prank(keeper);
        try engine.executeOrder(orderId, abi.encode(roundId), 0) {} catch {}
        if (engine.order(orderId).account == address(0)) {
            ++ordersExecuted;
            _forget(index);
        }
    }

    function cancelOrder(uint256 orderSeed) external {
        if (pendingOrders.length == 0) return;
        uint256 index = orderSeed % pendingOrders.length;
        uint256 orderId = pendingOrders[index];
        Order memory o = engine.order(orderId);
        vm.warp(block.timestamp + engine.orderSettings().cancelDelay);
        vm.prank(o.account);
        engine.cancelOrder(orderId);
        ++ordersCancelled;
        _forget(index);
    }

    function pendingOrderCount() external view returns (uint256) {
        return pendingOrders.length;
    }

    function _forget(uint256 index) private {
        pendingOrders[index] = pendingOrders[pendingOrders.length - 1];
        pendingOrders.pop();
    }
}
