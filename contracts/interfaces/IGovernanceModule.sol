// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MarketConfig, OrderSettings} from "../types/PerpTypes.sol";

/// @title IGovernanceModule
/// @notice The owner's and the guardian's controls. The engine forwards these calls to its
/// GovernanceModule by delegatecall.
interface IGovernanceModule {
    /// @notice Lists a market; every parameter is checked against its hard bound (MarketConfigLib).
    /// @return marketId The new market's id, from 0 up.
    function listMarket(MarketConfig calldata config) external returns (uint32 marketId);

    /// @notice Replaces a market's parameters; funding accrues first at the old rates.
    function updateMarket(uint32 marketId, MarketConfig calldata config) external;

    /// @notice Sets the LP vault, once: its address is part of every LP's trust assumption.
    function setVault(address newVault) external;

    /// @notice Sets the guardian, who may pause new risk.
    function setGuardian(address newGuardian) external;

    /// @notice Sets the rules of order execution, each within its hard bound.
    function setOrderSettings(OrderSettings calldata settings) external;

    /// @notice Pauses new risk only: opening, increasing and removing margin. Closing, reducing,
    /// adding margin, liquidating and deleveraging stay open. Owner or guardian.
    function setRiskPaused(bool paused) external;
}
