// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {OrderModule} from "../modules/OrderModule.sol";

/// @title ImmediateTradingModule
/// @notice TEST ONLY. The order module plus one-step trades at the oracle's current price, the way
/// the engine traded before orders existed. Tests of liquidation, ADL and accounting use it to set
/// positions up in one call; the product has no such path (OrderModule is the only way to trade),
/// and test/flows/orders*.test.ts exercise the real one. Never deploy it.
contract ImmediateTradingModule is OrderModule {
    constructor(IERC20Metadata token) OrderModule(token) {}

    function openPosition(
        uint32 marketId,
        int256 size,
        uint256 margin,
        uint256 acceptablePrice,
        uint256 deadline,
        uint32 hint
    ) external onlyDelegated nonReentrant returns (uint256 positionId) {
        if (size == 0 || margin == 0) revert ZeroAmount();
        uint256 existing = positionIdOf(msg.sender, marketId);
        if (existing != 0) revert PositionExists(msg.sender, marketId, existing);
        (positionId, ) = _tradeNow(TradeRequest(marketId, size, margin, 0, acceptablePrice, deadline, hint, false));
    }

    function modifyPosition(
        uint32 marketId,
        int256 sizeDelta,
        uint256 acceptablePrice,
        uint256 deadline,
        uint32 hint
    ) external onlyDelegated nonReentrant {
        if (sizeDelta == 0) revert ZeroAmount();
        _existingPositionId(marketId);
        _tradeNow(TradeRequest(marketId, sizeDelta, 0, 0, acceptablePrice, deadline, hint, false));
    }

    function closePosition(uint32 marketId, uint256 acceptablePrice, uint256 deadline) external onlyDelegated nonReentrant {
        int256 size = _positions[_existingPositionId(marketId)].size;
        _tradeNow(TradeRequest(marketId, -size, 0, 0, acceptablePrice, deadline, 0, false));
    }

    function removeMargin(uint32 marketId, uint256 amount, uint256 deadline, uint32 hint) external onlyDelegated nonReentrant {
        if (amount == 0) revert ZeroAmount();
        uint256 positionId = _existingPositionId(marketId);
        uint256 margin = _positions[positionId].margin;
        if (amount > margin) revert InsufficientMargin(positionId, margin, amount);
        _tradeNow(TradeRequest(marketId, 0, 0, amount, 0, deadline, hint, false));
    }

    function _tradeNow(TradeRequest memory r) private returns (uint256 positionId, FillCosts memory costs) {
        return _trade(msg.sender, r, _tradingConfig(r.marketId).oracle.price());
    }

    function _existingPositionId(uint32 marketId) private view returns (uint256 positionId) {
        positionId = positionIdOf(msg.sender, marketId);
        if (positionId == 0) revert NoPosition(msg.sender, marketId);
    }
}
