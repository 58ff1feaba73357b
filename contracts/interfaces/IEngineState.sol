// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IPerpEngineEvents} from "./IPerpEngineEvents.sol";

/// @title IEngineState
/// @notice Ledger and vault-accounting views, implemented in EngineBase.
interface IEngineState is IPerpEngineEvents {
    function vaultCash() external view returns (uint256);
    function insuranceFund() external view returns (uint256);
    /// @notice Collateral of `account` that backs no position: withdrawable, or margin for a trade.
    function freeBalance(address account) external view returns (uint256);
    function valueDivisor() external view returns (uint256);
    function riskPaused() external view returns (bool);
    /// @notice The id of `account`'s open position in `marketId`, 0 if it has none. An account's
    /// position in market m always has id number * 16 + m, `number` from AccountRegistered.
    function positionIdOf(address account, uint32 marketId) external view returns (uint256);
    /// @notice The id `account`'s position in `marketId` has whenever it is open, so a frontend
    /// knows it (and its ADL insert hint) before opening; 0 for an account never credited.
    function positionIdFor(address account, uint32 marketId) external view returns (uint256);
    /// @notice How many accounts have been numbered; numbers run from 1 to accountCount.
    function accountCount() external view returns (uint32);
    /// @notice Vault cash minus traders' aggregate unrealised PnL net of funding, across markets;
    /// a market whose feed is stale is valued conservatively (see vaultValuation).
    function vaultEquity() external view returns (int256);
    /// @notice vaultEquity, and whether every market was valued at a fresh price. A market whose
    /// feed is stale is valued at its last answer moved 10% against the vault on each side.
    function vaultValuation() external view returns (int256 equity, bool allFresh);
    /// @notice Vault cash the winners may claim, whatever the losers of their side hold: per side,
    /// its net unrealised PnL plus its positions' margins (no loser loses more than its margin
    /// before it is liquidated), rounded up. LPs cannot withdraw it.
    function reservedTraderProfit() external view returns (uint256);
    /// @notice Each side's aggregate unrealised PnL net of pending funding at the current price.
    function sidePnl(uint32 marketId) external view returns (int256 longPnl, int256 shortPnl);
    /// @notice A side's aggregate profit over the vault's assets (WAD), the pool-protection trigger.
    function pnlFactor(uint32 marketId, bool isLong) external view returns (uint256);
}
