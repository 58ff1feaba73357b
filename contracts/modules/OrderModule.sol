// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {Errors} from "@openzeppelin/contracts/utils/Errors.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {EngineBase} from "../core/EngineBase.sol";
import {Trading} from "../core/Trading.sol";
import {OrderRules} from "../libraries/OrderRules.sol";
import {PerpMath} from "../libraries/PerpMath.sol";
import {ORDER_LIMIT, ORDER_STOP_LOSS, ORDER_TAKE_PROFIT, Order, OrderRequest} from "../types/PerpTypes.sol";
import {ModuleGuard} from "./ModuleGuard.sol";

/// @notice The engine entry points the order module calls on the engine itself, each in its own
/// frame so that one failure is caught instead of undoing the whole call.
interface IOrderSelfCalls {
    function executeOrderFor(uint256 orderId, bytes calldata priceData, uint32 hint, address executor) external payable;
    function fillOrder(uint256 orderId, uint256 price, uint256 publishTime, uint32 hint, address executor) external;
}

/// @title OrderModule
/// @notice Two-step trading, run by PerpEngine with delegatecall on its own storage (EngineBase's
/// layout, checked in CI). A trader's request escrows what it needs; any keeper executes it later
/// at a price the oracle proves was published after the request, so nobody can trade on a price
/// round they saw coming. A request that can no longer be filled is cancelled with its escrow
/// returned; one whose proof fails, or whose limit or trigger is not reached, stays pending.
contract OrderModule is Trading, ModuleGuard {
    using SafeCast for uint256;
    using SafeCast for int256;

    /// @dev Built for one settlement token: its immutables (token, value divisor) must match the engine's.
    constructor(IERC20Metadata token) EngineBase(token, msg.sender) {}

    // ─── Requests ───────────────────────────────────────────────────────────────────────────

    function createOrder(OrderRequest calldata r) external onlyDelegated nonReentrant returns (uint256 orderId) {
        _tradingConfig(r.marketId);
        OrderRules.validate(r, _orderBook.settings, positionIdOf(msg.sender, r.marketId) != 0);
        uint256 escrow = r.marginIn + r.executionFee;
        if (escrow > 0) _debitFree(msg.sender, escrow);
        _orderBook.escrow += escrow;
        orderId = ++_orderBook.count;
        Order memory o = Order({
            account: msg.sender,
            marketId: r.marketId,
            kind: r.kind,
            reduceOnly: r.reduceOnly || r.kind == ORDER_STOP_LOSS || r.kind == ORDER_TAKE_PROFIT,
            createdAt: uint40(block.timestamp),
            sizeDelta: r.sizeDelta.toInt128(),
            marginIn: r.marginIn.toUint128(),
            marginOut: r.marginOut.toUint128(),
            executionFee: uint88(r.executionFee),
            expiresAt: uint40(r.expiresAt),
            acceptablePrice: r.acceptablePrice.toUint128(),
            triggerPrice: r.triggerPrice.toUint128()
        });
        _orderBook.orders[orderId] = o;
        emit OrderCreated(orderId, msg.sender, r.marketId, o);
    }

    function cancelOrder(uint256 orderId) external onlyDelegated nonReentrant {
        Order memory o = _pendingOrder(orderId);
        if (msg.sender != o.account) revert NotOrderOwner(orderId, msg.sender);
        uint256 allowedAt = uint256(o.createdAt) + _orderBook.settings.cancelDelay;
        // The delay stops a trader from cancelling once the price that will fill the order is known.
        if (block.timestamp < allowedAt) revert CancelTooEarly(orderId, allowedAt, block.timestamp);
        _cancel(orderId, o, msg.sender, 0, "");
    }

    // ─── Execution ──────────────────────────────────────────────────────────────────────────

    function executeOrder(uint256 orderId, bytes calldata priceData, uint32 hint) external payable onlyDelegated nonReentrant {
        uint256 spent = _execute(orderId, priceData, hint, msg.sender);
        // Only what this call sent may pay the oracle, never ether the engine happens to hold.
        if (spent > msg.value) revert InsufficientUpdateFee(msg.value, spent);
        _refund(msg.value - spent);
    }

    function executeOrders(
        uint256[] calldata orderIds,
        bytes[] calldata priceData,
        uint32[] calldata hints
    ) external payable onlyDelegated nonReentrant returns (uint256 executed) {
        if (priceData.length != orderIds.length) revert InvalidOrder("priceData.length", priceData.length);
        uint256 spent;
        for (uint256 i = 0; i < orderIds.length; ++i) {
            Order memory o = _orderBook.orders[orderIds[i]];
            // An unknown or expired entry needs no proof: it is skipped or cancelled without one.
            bool needsProof = o.account != address(0) && block.timestamp <= o.expiresAt;
            uint256 fee = needsProof ? OrderRules.proofFee(o, address(_configs[o.marketId].oracle), priceData[i]) : 0;
            if (spent + fee > msg.value) revert InsufficientUpdateFee(msg.value, spent + fee);
            uint32 hint = i < hints.length ? hints[i] : 0;
            try IOrderSelfCalls(address(this)).executeOrderFor{value: fee}(orderIds[i], priceData[i], hint, msg.sender) {
                spent += fee;
                ++executed;
            } catch (bytes memory reason) {
                emit OrderSkipped(orderIds[i], reason);
            }
        }
        _refund(msg.value - spent);
    }

    /// @dev One executeOrders entry in its own frame. Not nonReentrant: the batch holds the lock and
    /// only the engine itself may call it.
    function executeOrderFor(uint256 orderId, bytes calldata priceData, uint32 hint, address executor) external payable onlyDelegated {
        if (msg.sender != address(this)) revert OnlyEngine(msg.sender);
        _execute(orderId, priceData, hint, executor);
    }

    /// @dev The fill itself, in its own frame so that a failing fill cancels the order instead of
    /// reverting the execution.
    function fillOrder(uint256 orderId, uint256 price, uint256 publishTime, uint32 hint, address executor) external onlyDelegated {
        if (msg.sender != address(this)) revert OnlyEngine(msg.sender);
        Order memory o = _orderBook.orders[orderId];
        delete _orderBook.orders[orderId];
        _orderBook.escrow -= uint256(o.marginIn) + o.executionFee;
        _creditFree(executor, o.executionFee);
        int256 sizeDelta = o.reduceOnly ? _reduceOnlyDelta(orderId, o) : int256(o.sizeDelta);
        (uint256 positionId, FillCosts memory costs) = _trade(
            o.account,
            TradeRequest(o.marketId, sizeDelta, o.marginIn, o.marginOut, o.acceptablePrice, o.expiresAt, hint, true),
            price
        );
        emit OrderExecuted(
            orderId,
            positionId,
            executor,
            price,
            publishTime,
            costs.executionPrice,
            costs.impact,
            _states[o.marketId].impactPool,
            o.executionFee
        );
    }

    /// @dev Proves the order's price, then fills it; a fill that fails for any reason but gas
    /// cancels the order (a limit order whose limit isn't reached stays pending instead).
    /// Returns the oracle update fee spent.
    function _execute(uint256 orderId, bytes calldata priceData, uint32 hint, address executor) private returns (uint256 spent) {
        Order memory o = _pendingOrder(orderId);
        if (block.timestamp > o.expiresAt) {
            _cancelFailed(orderId, o, executor, abi.encodeWithSelector(OrderExpired.selector, orderId, o.expiresAt, block.timestamp));
            return 0;
        }
        uint256 price;
        uint256 publishTime;
        (price, publishTime, spent) = OrderRules.provePrice(
            orderId,
            o,
            address(_configs[o.marketId].oracle),
            _orderBook.settings,
            priceData
        );
        try IOrderSelfCalls(address(this)).fillOrder(orderId, price, publishTime, hint, executor) {} catch (bytes memory reason) {
            // Out of gas leaves no revert data, or, from a frame the engine forwarded to a module,
            // OpenZeppelin's FailedCall: the executor sent too little, which must not be a way to cancel
            // someone's order. Every deliberate revert in the fill is a custom error of its own.
            if (reason.length == 0 || bytes4(reason) == Errors.FailedCall.selector) revert FillOutOfGas(orderId);
            // A limit not reached yet is no failure: the order waits for a better price.
            if (o.kind == ORDER_LIMIT && bytes4(reason) == PriceOutsideBound.selector)
                Address.verifyCallResultFromTarget(address(this), false, reason);
            _cancelFailed(orderId, o, executor, reason);
        }
    }

    /// @dev A reduce-only order closes at most the position's size, in the direction that reduces it.
    function _reduceOnlyDelta(uint256 orderId, Order memory o) private view returns (int256) {
        uint256 positionId = positionIdOf(o.account, o.marketId);
        if (positionId == 0) revert NoPosition(o.account, o.marketId);
        int256 size = _positions[positionId].size;
        if ((size > 0) == (o.sizeDelta > 0)) revert ReduceOnlyWouldIncrease(orderId, size, o.sizeDelta);
        return PerpMath.abs(o.sizeDelta) >= PerpMath.abs(size) ? -size : int256(o.sizeDelta);
    }

    // ─── Escrow ─────────────────────────────────────────────────────────────────────────────

    function _pendingOrder(uint256 orderId) private view returns (Order memory o) {
        o = _orderBook.orders[orderId];
        if (o.account == address(0)) revert OrderNotFound(orderId);
    }

    /// @dev The executor of a failed order keeps part of its fee for the work, capped so that
    /// cancelling is never worth more than the cap.
    function _cancelFailed(uint256 orderId, Order memory o, address executor, bytes memory reason) private {
        _cancel(orderId, o, executor, Math.min(o.executionFee, _orderBook.settings.maxCancellationFee), reason);
    }

    function _cancel(uint256 orderId, Order memory o, address by, uint256 executorFee, bytes memory reason) private {
        delete _orderBook.orders[orderId];
        uint256 escrow = uint256(o.marginIn) + o.executionFee;
        _orderBook.escrow -= escrow;
        _creditFree(by, executorFee);
        _creditFree(o.account, escrow - executorFee);
        emit OrderCancelled(orderId, o.account, by, escrow - executorFee, executorFee, reason);
    }

    function _refund(uint256 amount) private {
        if (amount > 0) Address.sendValue(payable(msg.sender), amount);
    }
}
