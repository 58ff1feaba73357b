// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IPerpEngineEvents} from "../interfaces/IPerpEngineEvents.sol";
import {IPriceOracle} from "../interfaces/IPriceOracle.sol";
import {ORDER_LIMIT, ORDER_MARKET, ORDER_STOP_LOSS, ORDER_TAKE_PROFIT, Order, OrderRequest, OrderSettings} from "../types/PerpTypes.sol";

/// @title OrderRules
/// @notice What an order may ask for, and the price proofs that may fill it. Linked as an external
/// library to keep OrderModule under the contract size limit; it runs by delegatecall in the
/// engine's context, so the oracle fees it sends come out of the executor's call value.
library OrderRules {
    /// @notice Checks a request against the settings; `hasPosition`: the account holds a position
    /// in the market (stop-loss and take-profit orders are attached to one).
    function validate(OrderRequest calldata r, OrderSettings calldata settings, bool hasPosition) external view {
        if (r.kind > ORDER_TAKE_PROFIT) revert IPerpEngineEvents.InvalidOrder("kind", r.kind);
        if (r.executionFee < settings.minExecutionFee)
            revert IPerpEngineEvents.ExecutionFeeTooLow(r.executionFee, settings.minExecutionFee);
        if (r.executionFee > type(uint88).max) revert IPerpEngineEvents.InvalidOrder("executionFee", r.executionFee);
        if (r.expiresAt <= block.timestamp || r.expiresAt > type(uint40).max)
            revert IPerpEngineEvents.InvalidOrder("expiresAt", r.expiresAt);
        if (r.sizeDelta == 0 && r.marginOut == 0) revert IPerpEngineEvents.ZeroAmount();
        bool triggered = r.kind == ORDER_STOP_LOSS || r.kind == ORDER_TAKE_PROFIT;
        // Size changes only: margin alone moves in with addMargin, out with a market order.
        if (r.kind != ORDER_MARKET && r.sizeDelta == 0) revert IPerpEngineEvents.InvalidOrder("sizeDelta", 0);
        if ((r.sizeDelta == 0 || r.reduceOnly || triggered) && r.marginIn > 0)
            revert IPerpEngineEvents.InvalidOrder("marginIn", r.marginIn);
        if (triggered != (r.triggerPrice > 0)) revert IPerpEngineEvents.InvalidOrder("triggerPrice", r.triggerPrice);
        if (r.kind == ORDER_LIMIT && r.acceptablePrice == 0) revert IPerpEngineEvents.InvalidOrder("acceptablePrice", 0);
        if (triggered && !hasPosition) revert IPerpEngineEvents.NoPosition(msg.sender, r.marketId);
    }

    /// @notice The price an order fills at, proven by `priceData`, and the oracle fee spent.
    /// Market orders fill at the first price published at or after the request plus the minimum
    /// delay; limit orders at any such price. Stop-loss and take-profit orders need two proofs: a
    /// price published since the request that crossed the trigger, and the first price published at
    /// or after that one plus the delay, which fills them. Every fill price is at most maxPriceAge old.
    /// @dev Library functions take the oracle as an address: a contract type would name the
    /// contract in the library's ABI, which ABI parsers (ethers) reject.
    function provePrice(
        uint256 orderId,
        Order calldata o,
        address oracleAddress,
        OrderSettings calldata settings,
        bytes calldata priceData
    ) external returns (uint256 price, uint256 publishTime, uint256 spent) {
        IPriceOracle oracle = IPriceOracle(oracleAddress);
        uint256 notBefore = uint256(o.createdAt) + settings.minExecutionDelay;
        if (o.kind == ORDER_MARKET || o.kind == ORDER_LIMIT) {
            (price, publishTime, spent) = _proven(oracle, priceData, notBefore, o.kind == ORDER_MARKET);
        } else {
            (price, publishTime, spent) = _provenAfterTrigger(orderId, o, oracle, settings.minExecutionDelay, priceData, notBefore);
        }
        if (publishTime + settings.maxPriceAge < block.timestamp) {
            revert IPerpEngineEvents.PriceTooOld(publishTime, settings.maxPriceAge, block.timestamp);
        }
    }

    /// @notice The oracle fees `priceData` needs for order `o`, so a batch can send each entry its share.
    function proofFee(Order calldata o, address oracleAddress, bytes calldata priceData) external view returns (uint256) {
        IPriceOracle oracle = IPriceOracle(oracleAddress);
        if (o.kind == ORDER_MARKET || o.kind == ORDER_LIMIT) return oracle.updateFee(priceData);
        (bytes memory triggerProof, bytes memory fillProof) = abi.decode(priceData, (bytes, bytes));
        return oracle.updateFee(triggerProof) + oracle.updateFee(fillProof);
    }

    function _proven(
        IPriceOracle oracle,
        bytes memory proof,
        uint256 notBefore,
        bool firstAfter
    ) private returns (uint256 price, uint256 publishTime, uint256 fee) {
        fee = oracle.updateFee(proof);
        (price, publishTime) = oracle.provenPrice{value: fee}(proof, notBefore, firstAfter);
    }

    /// @dev The trigger proof: a price published since the request that crossed the trigger; then the
    /// fill proof: the first price published at or after it plus the delay.
    function _provenAfterTrigger(
        uint256 orderId,
        Order calldata o,
        IPriceOracle oracle,
        uint256 delay,
        bytes calldata priceData,
        uint256 notBefore
    ) private returns (uint256 price, uint256 publishTime, uint256 spent) {
        (bytes memory triggerProof, bytes memory fillProof) = abi.decode(priceData, (bytes, bytes));
        (uint256 triggerPrice, uint256 triggeredAt, uint256 triggerFee) = _proven(oracle, triggerProof, notBefore, false);
        if (!_crossed(o, triggerPrice)) revert IPerpEngineEvents.TriggerNotReached(orderId, triggerPrice, o.triggerPrice);
        (price, publishTime, spent) = _proven(oracle, fillProof, triggeredAt + delay, true);
        spent += triggerFee;
    }

    /// @dev A stop-loss closes a long at or below its trigger (a short at or above); a take-profit
    /// the reverse. The order's sell (sizeDelta < 0) says it closes a long.
    function _crossed(Order calldata o, uint256 price) private pure returns (bool) {
        bool closesLong = o.sizeDelta < 0;
        bool below = price <= o.triggerPrice;
        bool above = price >= o.triggerPrice;
        if (o.kind == ORDER_STOP_LOSS) return closesLong ? below : above;
        return closesLong ? above : below;
    }
}
