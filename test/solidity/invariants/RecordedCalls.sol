// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Vm} from "forge-std/Vm.sol";
import {IPerpEngineEvents} from "../../../contracts/interfaces/IPerpEngineEvents.sol";
import {MarketConfig} from "../../../contracts/types/PerpTypes.sol";
import {HandlerBase} from "./HandlerBase.sol";
import {ReferenceMath} from "./ReferenceMath.sol";

/// @title RecordedCalls
/// @notice Every state-changing engine call of the handler goes through here. Each is made with its
/// logs recorded (reset right before the call: the test node also records the logs of a call that
/// reverts, so only a successful call is counted), and its money events are tallied by cause:
/// - the insurance fund's change is split into fee shares, penalties and draws, and must equal
///   their sum exactly, so a draw cannot hide behind the same call's penalty (INV-3);
/// - each side's ADL debt is tracked as added (DeficitUncovered), haircut (AdlFill) and borne by
///   the vault (DeficitBorneByVault) (INV-14).
/// Calls that exit risk are also checked against the pause (INV-15).
abstract contract RecordedCalls is HandlerBase {
    // Ghosts: each counts a violation and must stay zero.
    uint256 public insuranceDrawsOutsideBankruptcy;
    uint256 public insuranceChangesUnexplained;
    uint256 public penaltiesAboveRate;
    uint256 public pauseChangedOutcome;
    uint256 public riskTakenWhilePaused;
    // ADL debt ledger per side, index 1 for longs (debt owed by longs), 0 for shorts.
    uint256[2] public debtAdded;
    uint256[2] public haircutsTaken;
    uint256[2] public debtBorneByVault;
    // Coverage, for the report.
    uint256 public insuranceDrawn;
    uint256 public pausedExitsCompared;

    /// @dev Calls the engine as `who`, recording its logs; on success tallies its money events.
    /// `bankruptId` is the one position whose liquidation in this call may draw on the insurance fund.
    function _call(address who, bytes memory data, uint256 bankruptId) internal returns (bool ok, bytes memory ret) {
        uint256 fundBefore = engine.insuranceFund();
        vm.recordLogs();
        vm.prank(who);
        (ok, ret) = address(engine).call(data);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        if (ok) _tally(logs, fundBefore, bankruptId);
    }

    /// @dev A call that adds risk (open, increase, margin removal): it must fail while paused.
    function _riskCall(address who, bytes memory data) internal returns (bool ok) {
        bool paused = engine.riskPaused();
        (ok, ) = _call(who, data, 0);
        if (ok && paused) ++riskTakenWhilePaused;
    }

    /// @dev A call that exits or cuts risk (close, reduce, liquidation, deleverage). While paused it
    /// is first tried unpaused on a snapshot: the paused call must succeed or fail exactly alike,
    /// with the same return or revert data, since the pause stops only new risk.
    function _exitCall(address who, bytes memory data, uint256 bankruptId) internal returns (bool ok, bytes memory ret) {
        if (!engine.riskPaused()) return _call(who, data, bankruptId);
        uint256 snapshot = vm.snapshotState();
        vm.prank(guardian);
        engine.setRiskPaused(false);
        vm.prank(who);
        (bool okUnpaused, bytes memory retUnpaused) = address(engine).call(data);
        vm.revertToState(snapshot);
        (ok, ret) = _call(who, data, bankruptId);
        ++pausedExitsCompared;
        if (ok != okUnpaused || keccak256(ret) != keccak256(retUnpaused)) ++pauseChangedOutcome;
    }

    function _tally(Vm.Log[] memory logs, uint256 fundBefore, uint256 bankruptId) private {
        MarketConfig memory c = engine.marketConfig(MARKET);
        int256 expectedFund = int256(fundBefore);
        for (uint256 i = 0; i < logs.length; ++i) {
            Vm.Log memory log = logs[i];
            if (log.emitter != address(engine)) continue;
            bytes32 topic = log.topics[0];
            if (topic == IPerpEngineEvents.PositionUpdated.selector) {
                (, , , , , , uint256 fee) = abi.decode(log.data, (int256, uint256, uint256, int256, int256, uint256, uint256));
                expectedFund += int256((fee * c.insuranceFeeShare) / ReferenceMath.WAD); // the fund's share, rounded down
            } else if (topic == IPerpEngineEvents.Liquidated.selector) {
                (int256 closed, , , , uint256 penalty, ) = abi.decode(log.data, (int256, uint256, int256, uint256, uint256, uint256));
                expectedFund += int256(penalty);
                uint256 absClosed = closed >= 0 ? uint256(closed) : uint256(-closed);
                if (penalty > ReferenceMath.maxPenalty(c, absClosed, _price(), D)) ++penaltiesAboveRate;
            } else if (topic == IPerpEngineEvents.InsuranceDrawn.selector) {
                uint256 amount = abi.decode(log.data, (uint256));
                expectedFund -= int256(amount);
                insuranceDrawn += amount;
                if (bankruptId == 0 || uint256(log.topics[2]) != bankruptId) ++insuranceDrawsOutsideBankruptcy;
            } else if (topic == IPerpEngineEvents.DeficitUncovered.selector) {
                (bool payerIsLong, uint256 amount, ) = abi.decode(log.data, (bool, uint256, uint256));
                debtAdded[payerIsLong ? 1 : 0] += amount;
            } else if (topic == IPerpEngineEvents.AdlFill.selector) {
                (bool isLong, , , , uint256 haircut, ) = abi.decode(log.data, (bool, uint256, uint256, int256, uint256, uint256));
                haircutsTaken[isLong ? 1 : 0] += haircut;
            } else if (topic == IPerpEngineEvents.DeficitBorneByVault.selector) {
                (bool isLong, uint256 amount) = abi.decode(log.data, (bool, uint256));
                debtBorneByVault[isLong ? 1 : 0] += amount;
            }
        }
        if (int256(engine.insuranceFund()) != expectedFund) ++insuranceChangesUnexplained;
    }
}
