// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IRiskModule} from "../interfaces/IRiskModule.sol";
import {MarketConfigLib} from "../libraries/MarketConfigLib.sol";
import {MAX_MARKETS, MarketConfig} from "../types/PerpTypes.sol";
import {EngineBase} from "./EngineBase.sol";
import {ModuleGuard} from "./ModuleGuard.sol";

/// @title MarketAdmin
/// @notice Owner-only listing and re-parameterisation of markets, within hard bounds.
abstract contract MarketAdmin is EngineBase, ModuleGuard, IRiskModule {
    /// @inheritdoc IRiskModule
    function listMarket(MarketConfig calldata config) external onlyDelegated onlyOwner returns (uint32 marketId) {
        if (_marketCount >= MAX_MARKETS) revert TooManyMarkets(MAX_MARKETS);
        MarketConfigLib.validate(config);
        marketId = _marketCount++;
        _configs[marketId] = config;
        _states[marketId].lastFundingTime = uint64(block.timestamp);
        emit MarketListed(marketId, config);
    }

    /// @inheritdoc IRiskModule
    function updateMarket(uint32 marketId, MarketConfig calldata config) external onlyDelegated onlyOwner {
        MarketConfig memory current = _config(marketId);
        MarketConfigLib.validate(config);
        _priceAndAccrue(marketId, current);
        _configs[marketId] = config;
        emit MarketConfigUpdated(marketId, config);
    }
}
