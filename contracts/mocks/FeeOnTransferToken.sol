// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TestToken} from "./TestToken.sol";

/// @title FeeOnTransferToken
/// @notice Test token that burns 1% of every transfer, to prove deposits credit only what arrives.
contract FeeOnTransferToken is TestToken {
    constructor() TestToken("Fee Token", "FEE", 6) {}

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) return super._update(from, to, value);
        uint256 fee = value / 100;
        super._update(from, address(0), fee);
        super._update(from, to, value - fee);
    }
}
