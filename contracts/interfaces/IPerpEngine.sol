// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {QueueNode} from "../adl/AdlQueue.sol";
import {MarketConfig, MarketState, Position} from "../types/PerpTypes.sol";
import {IEngineState} from "./IEngineState.sol";
import {IGovernanceModule} from "./IGovernanceModule.sol";
import {ILiquidationModule} from "./ILiquidationModule.sol";
import {IOrderModule} from "./IOrderModule.sol";

/// @title IPerpEngine
/// @notice Collateral accounts, isolated-margin perpetual positions against an ERC-4626 liquidity
/// vault, two-step orders executed by keepers at prices published after the request, skew-based
/// funding and price impact, permissionless liquidation and the insurance fund, and auto-deleveraging against ranked per-side queues.
interface IPerpEngine is IEngineState, IOrderModule, ILiquidationModule, IGovernanceModule {
    // ─── Accounts ───────────────────────────────────────────────────────────────────────────
    /// @notice Credits the free balance with what actually arrived (fee-on-transfer safe).
    function deposit(uint256 amount) external returns (uint256 credited);
    /// @notice `deposit` in one transaction with an EIP-2612 permit for the engine. A permit that
    /// fails (already used, e.g. front-run from the mempool) is ignored when the allowance suffices.
    function depositWithPermit(uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external returns (uint256 credited);
    function withdraw(uint256 amount, address to) external;

    // ─── Margin ─────────────────────────────────────────────────────────────────────────────
    // Trading is two-step (IOrderModule): opening, resizing and closing a position and withdrawing
    // its margin are orders. `hint` (on every call that may move a position in its ADL queue): the
    // id of the position that should precede it in its new bucket, or 0 for the bucket head. It only
    // saves gas: a stale or missing hint is corrected by a walk (about 5k gas per place), never a
    // revert. PerpLens.adlInsertHint and client/adl.ts compute it.

    /// @notice Moves free balance into the position's margin. Needs no price.
    function addMargin(uint32 marketId, uint256 amount, uint32 hint) external;

    // ─── Insurance and vault ────────────────────────────────────────────────────────────────
    function fundInsurance(uint256 amount) external;
    /// @notice Called by the vault after it moved `amount` of LP deposits to this contract.
    function creditVaultDeposit(uint256 amount) external;
    /// @notice Called by the vault to pay an LP withdrawal.
    function releaseVaultCash(address to, uint256 amount) external;

    // ─── Views ──────────────────────────────────────────────────────────────────────────────
    function position(uint256 positionId) external view returns (Position memory);
    function marketConfig(uint32 marketId) external view returns (MarketConfig memory);
    function marketState(uint32 marketId) external view returns (MarketState memory);
    function marketCount() external view returns (uint32);
    function queueNode(uint256 positionId) external view returns (QueueNode memory);
    function queueHead(uint32 marketId, bool isLong, uint16 bucket) external view returns (uint32);
    function queueBuckets(uint32 marketId, bool isLong) external view returns (uint256[4] memory nonEmpty);
    /// @notice The best-ranked position of a side at the current price, its bucket and score.
    function adlTop(uint32 marketId, bool isLong) external view returns (uint32 positionId, uint16 bucket, int256 score);
}
