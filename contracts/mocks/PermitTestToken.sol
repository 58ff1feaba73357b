// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @title PermitTestToken
/// @notice A freely mintable token with EIP-2612 permits, as USDC has: for testing
/// PerpEngine.depositWithPermit. Not TestToken itself, because the permit code (EIP-712, ECDSA) in
/// every Solidity test's compile job makes solc-js run out of wasm memory on this toolchain.
contract PermitTestToken is ERC20Permit {
    uint8 private immutable _decimals;

    constructor(string memory name_, string memory symbol_, uint8 decimals_) ERC20(name_, symbol_) ERC20Permit(name_) {
        _decimals = decimals_;
    }

    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
