// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {EngineBase} from "../core/EngineBase.sol";
import {IGovernanceModule} from "../interfaces/IGovernanceModule.sol";
import {MarketConfigLib} from "../libraries/MarketConfigLib.sol";
import {MAX_MARKETS, MarketConfig, OrderSettings} from "../types/PerpTypes.sol";
import {ModuleGuard} from "./ModuleGuard.sol";

/// @title GovernanceModule
/// @notice The owner's and the guardian's controls: market listing and parameters within hard
/// bounds, the vault, the guardian and the pause of new risk. PerpEngine runs this code by
/// delegatecall on its own storage (EngineBase's layout, checked in CI).
contract GovernanceModule is EngineBase, ModuleGuard, IGovernanceModule {
    /// @dev Built for one settlement token: its immutables (token, value divisor) must match the engine's.
    constructor(IERC20Metadata token) EngineBase(token, msg.sender) {}

    // ─── Markets ────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IGovernanceModule
    function listMarket(MarketConfig calldata config) external onlyDelegated onlyOwner returns (uint32 marketId) {
        if (_marketCount >= MAX_MARKETS) revert TooManyMarkets(MAX_MARKETS);
        MarketConfigLib.validate(config, _oneToken());
        marketId = _marketCount++;
        _configs[marketId] = config;
        _states[marketId].lastFundingTime = uint64(block.timestamp);
        emit MarketListed(marketId, config);
    }

    /// @inheritdoc IGovernanceModule
    function updateMarket(uint32 marketId, MarketConfig calldata config) external onlyDelegated onlyOwner {
        MarketConfig memory current = _config(marketId);
        MarketConfigLib.validate(config, _oneToken());
        // Funding accrues at the old rates up to now, priced by the new oracle: a dead feed can be
        // replaced without ever being read again.
        current.oracle = config.oracle;
        _priceAndAccrue(marketId, current);
        _configs[marketId] = config;
        emit MarketConfigUpdated(marketId, config);
    }

    /// @dev One whole settlement token in atoms: valueDivisor is 10^(36 - decimals).
    function _oneToken() private view returns (uint256) {
        return 1e36 / valueDivisor;
    }

    // ─── Orders ─────────────────────────────────────────────────────────────────────────────

    /// @dev Bounds that keep orders safe whatever the owner sets: a fill price is always published
    /// after its request, a proven price is at most 1 hour old, an owner can cancel within a day,
    /// and an executor's cancellation fee never exceeds the execution fee it is part of.
    uint256 private constant MAX_EXECUTION_DELAY = 1 hours;
    uint256 private constant MAX_PRICE_AGE = 1 hours;
    uint256 private constant MAX_CANCEL_DELAY = 1 days;

    /// @inheritdoc IGovernanceModule
    function setOrderSettings(OrderSettings calldata settings) external onlyDelegated onlyOwner {
        if (settings.minExecutionDelay == 0 || settings.minExecutionDelay > MAX_EXECUTION_DELAY) {
            revert InvalidOrderSettings("minExecutionDelay", settings.minExecutionDelay);
        }
        if (settings.maxPriceAge == 0 || settings.maxPriceAge > MAX_PRICE_AGE)
            revert InvalidOrderSettings("maxPriceAge", settings.maxPriceAge);
        if (settings.cancelDelay > MAX_CANCEL_DELAY) revert InvalidOrderSettings("cancelDelay", settings.cancelDelay);
        if (settings.minExecutionFee > type(uint88).max) revert InvalidOrderSettings("minExecutionFee", settings.minExecutionFee);
        if (settings.maxCancellationFee > settings.minExecutionFee) {
            revert InvalidOrderSettings("maxCancellationFee", settings.maxCancellationFee);
        }
        _orderBook.settings = settings;
        emit OrderSettingsSet(settings);
    }

    // ─── Vault, guardian, pause ─────────────────────────────────────────────────────────────

    /// @inheritdoc IGovernanceModule
    function setVault(address newVault) external onlyDelegated onlyOwner {
        if (vault != address(0)) revert VaultAlreadySet(vault);
        if (newVault == address(0)) revert ZeroAddress();
        vault = newVault;
        emit VaultSet(newVault);
    }

    /// @inheritdoc IGovernanceModule
    function setGuardian(address newGuardian) external onlyDelegated onlyOwner {
        guardian = newGuardian;
        emit GuardianSet(newGuardian);
    }

    /// @inheritdoc IGovernanceModule
    function setRiskPaused(bool paused) external onlyDelegated {
        if (msg.sender != guardian && msg.sender != owner()) revert NotGuardian(msg.sender);
        riskPaused = paused;
        emit RiskPausedSet(paused);
    }
}
