// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MarketConfig} from "../types/PerpTypes.sol";

/// @title IRiskModule
/// @notice Liquidation, auto-deleveraging and market risk parameters. The engine forwards these
/// calls to its RiskModule by delegatecall.
interface IRiskModule {
    // ─── Markets (owner) ────────────────────────────────────────────────────────────────────
    /// @notice Lists a market; every parameter is checked against its hard bound.
    function listMarket(MarketConfig calldata config) external returns (uint32 marketId);
    /// @notice Replaces a market's parameters; funding accrues first at the old rates.
    function updateMarket(uint32 marketId, MarketConfig calldata config) external;

    // ─── Liquidation ────────────────────────────────────────────────────────────────────────
    /// @notice Liquidates a position below maintenance margin; partially when that restores health.
    /// A bankrupt position's deficit beyond the insurance fund is covered by ADL in the same call
    /// when it fits; `hint` places whichever position stays in the queue with a new bucket.
    function liquidate(uint256 positionId, uint32 hint) external;
    /// @notice Liquidates every liquidatable entry, skipping stale ones; reverts only if none was.
    /// `hints[i]` serves `positionIds[i]`; missing hints count as 0.
    function liquidateBatch(uint256[] calldata positionIds, uint32[] calldata hints) external returns (uint256 liquidated);

    // ─── Auto-deleveraging ──────────────────────────────────────────────────────────────────
    /// @notice Reduces the top-ranked profitable positions of one side, which the caller names in
    /// rank order; each must be the best-ranked position at the current price. Bankruptcy mode (the
    /// side owes ADL debt) fills at the debt's bankruptcy price until the debt is exactly 0; pool
    /// mode (the side's profit exceeds maxPnlFactor x vault assets) fills at the oracle price until
    /// the factor is back at targetPnlFactor, or closes exactly `closeSize` when it is non-zero, and
    /// reverts if that over-corrects. Pays no reward, and reverts when it would do nothing.
    function deleverage(
        uint32 marketId,
        bool isLong,
        uint256[] calldata positionIds,
        uint256 closeSize,
        uint32 hint
    ) external returns (uint256 fills);
}
