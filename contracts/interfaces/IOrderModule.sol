// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Order, OrderRequest, OrderSettings} from "../types/PerpTypes.sol";

/// @title IOrderModule
/// @notice Two-step trading. Every change of a position's size, and every margin withdrawal, is a
/// request first (`createOrder`, which escrows the margin and the execution fee) and is executed
/// later by any keeper at a price published after the request: a trader can no longer trade on a
/// price round visible in the mempool. The engine forwards these calls to its OrderModule by
/// delegatecall.
interface IOrderModule {
    /// @notice Creates a request; escrows `marginIn + executionFee` from the free balance.
    /// @return orderId The new order's id, from 1 up.
    function createOrder(OrderRequest calldata request) external returns (uint256 orderId);

    /// @notice The owner cancels a pending order (after OrderSettings.cancelDelay) and gets its
    /// whole escrow back, execution fee included.
    function cancelOrder(uint256 orderId) external;

    /// @notice Executes a pending order at the price `priceData` proves (see IPriceOracle.provenPrice):
    /// - Market: the first price published at or after createdAt + minExecutionDelay;
    /// - Limit: any price published since then at which the execution price (impact included) is at
    ///   or better than the limit (`acceptablePrice`);
    /// - StopLoss / TakeProfit: `priceData` is abi.encode(triggerProof, fillProof): a price published
    ///   since creation that crossed the trigger, and the first price published at or after that
    ///   price's time plus minExecutionDelay, at which the order fills.
    /// Every proven price must be at most maxPriceAge old. An order that cannot be filled (expired,
    /// acceptable price missed, margin or cap checks failing, position gone) is cancelled with its
    /// escrow returned and the reason in OrderCancelled; the executor then gets at most
    /// maxCancellationFee of its execution fee. A proof that fails, or a limit or trigger not yet
    /// reached (a limit order's fill reverts PriceOutsideBound), reverts and leaves the order pending.
    /// @param hint The ADL queue hint for the position's new place (0 or stale costs gas only).
    /// @dev msg.value pays the oracle's update fee; what is left is refunded.
    function executeOrder(uint256 orderId, bytes calldata priceData, uint32 hint) external payable;

    /// @notice Executes several orders; an entry that reverts is skipped with OrderSkipped. The
    /// value sent covers every entry's oracle update fee; the rest is refunded.
    /// @return executed How many entries were executed or cancelled.
    function executeOrders(
        uint256[] calldata orderIds,
        bytes[] calldata priceData,
        uint32[] calldata hints
    ) external payable returns (uint256 executed);

    /// @notice A pending order, or an empty one (account 0) once executed or cancelled.
    function order(uint256 orderId) external view returns (Order memory);

    /// @notice How many orders were ever created; ids run from 1 to orderCount.
    function orderCount() external view returns (uint256);

    /// @notice The collateral escrowed by pending orders (margins and execution fees).
    function orderEscrow() external view returns (uint256);

    /// @notice The rules of execution: delays, price age, fees (GovernanceModule.setOrderSettings).
    function orderSettings() external view returns (OrderSettings memory);

    /// @notice One executeOrders entry in its own frame; callable only by the engine itself.
    function executeOrderFor(uint256 orderId, bytes calldata priceData, uint32 hint, address executor) external payable;

    /// @notice The fill of an order in its own frame, so a failing fill cancels the order; callable
    /// only by the engine itself.
    function fillOrder(uint256 orderId, uint256 price, uint256 publishTime, uint32 hint, address executor) external;
}
