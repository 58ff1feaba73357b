// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {PerpEngine} from "../core/PerpEngine.sol";

/// @title ImmediateTradingEngine
/// @notice TEST ONLY. The real engine plus forwarders to ImmediateTradingModule's one-step trades,
/// for tests and benchmarks that set positions up in one call. Never deploy it: with it, a trader
/// could trade on a price round seen in the mempool, which is what orders prevent.
contract ImmediateTradingEngine is PerpEngine {
    constructor(
        IERC20Metadata token,
        address initialOwner,
        address liquidation,
        address governance,
        address orders
    ) PerpEngine(token, initialOwner, liquidation, governance, orders) {}

    function openPosition(uint32, int256, uint256, uint256, uint256, uint32) external returns (uint256) {
        return abi.decode(Address.functionDelegateCall(orderModule, msg.data), (uint256));
    }

    function modifyPosition(uint32, int256, uint256, uint256, uint32) external {
        Address.functionDelegateCall(orderModule, msg.data);
    }

    function closePosition(uint32, uint256, uint256) external {
        Address.functionDelegateCall(orderModule, msg.data);
    }

    function removeMargin(uint32, uint256, uint256, uint32) external {
        Address.functionDelegateCall(orderModule, msg.data);
    }
}
