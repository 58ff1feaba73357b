// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ModuleGuard
/// @notice Module code is meant to run by delegatecall on the engine's storage; a direct call
/// would act on the module's own empty storage, so it is refused.
abstract contract ModuleGuard {
    address private immutable _self = address(this);

    error NotDelegated();

    modifier onlyDelegated() {
        if (address(this) == _self) revert NotDelegated();
        _;
    }
}
