// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ILiquidationModule
/// @notice Liquidation and auto-deleveraging. The engine forwards these calls to its
/// LiquidationModule by delegatecall; none of them depends on a caller's queue hint for success.
interface ILiquidationModule {
    /// @notice Liquidates a position below maintenance margin; partially when that restores health.
    /// A bankrupt position pays its keeper a reward capped at half its margin, from the insurance
    /// fund; its deficit is
    /// covered by the insurance fund, then by ADL in the same call when it fits.
    /// @param positionId The position to liquidate.
    /// @param hint Where a partially liquidated position goes in its new bucket (the position that
    /// should precede it, PerpLens.previewLiquidation gives it). Optional: 0 or a stale hint costs
    /// gas, never a revert.
    function liquidate(uint256 positionId, uint32 hint) external;

    /// @notice Liquidates every entry that can be liquidated. An entry that cannot (closed, healthy,
    /// or failing for any other reason) is skipped with a LiquidationSkipped event carrying the
    /// revert data. Each entry leaves BATCH_GAS_RESERVE gas to the batch: one that runs out of gas is
    /// skipped and the batch stops there, keeping what it did. The batch reverts only when nothing
    /// was liquidated.
    /// @param positionIds The positions, most urgent first.
    /// @param hints `hints[i]` serves `positionIds[i]`; missing hints count as 0.
    /// @return liquidated How many entries were liquidated.
    function liquidateBatch(uint256[] calldata positionIds, uint32[] calldata hints) external returns (uint256 liquidated);

    /// @notice One entry of a batch, run in its own call frame so that its failure is caught.
    /// @dev Callable only by the engine itself (from liquidateBatch); `keeper` is the batch's caller.
    function liquidateFor(uint256 positionId, uint32 hint, address keeper) external;

    /// @notice Reduces the top-ranked profitable positions of one side, one fill at a time, each
    /// taking the side's best-ranked position at the current price as the queue finds it on-chain
    /// (PerpLens.adlRanking shows who that will be). Bankruptcy mode (the side owes ADL debt) fills at the debt's bankruptcy price
    /// until the debt is exactly 0; pool mode (the side's profit exceeds maxPnlFactor x vault assets)
    /// fills at the oracle price until the factor is back at targetPnlFactor, or closes exactly
    /// `closeSize` when it is non-zero (a remainder below the minimum position size is closed too),
    /// and reverts if that over-corrects; with an insolvent vault it closes what the vault's cash can
    /// pay. Pays no reward, and reverts NoDeleverageProgress when it would do nothing.
    /// @param maxFills The most positions to reduce in this call, bounding its gas (~75k a fill).
    /// @param hint Optional. A filled position keeps its bucket and place; only a position whose
    /// margin is a few atoms can change bucket, and the hint places it then (a walk if 0 or stale).
    function deleverage(uint32 marketId, bool isLong, uint256 maxFills, uint256 closeSize, uint32 hint) external returns (uint256 fills);
}
