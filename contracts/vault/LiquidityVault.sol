// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IPerpEngine} from "../interfaces/IPerpEngine.sol";

/// @title LiquidityVault
/// @notice ERC-4626 vault whose LPs are the counterparty to traders' net open interest.
/// @dev The engine custodies the cash and keeps its ledger, so realised PnL never costs a token
/// transfer. `totalAssets` is that cash minus traders' aggregate unrealised PnL net of funding;
/// LPs cannot withdraw the cash that traders' unrealised profit needs. A token donation to the
/// engine or the vault does not move `totalAssets`, which removes the classic inflation attack.
contract LiquidityVault is ERC4626 {
    using SafeERC20 for IERC20;

    IPerpEngine public immutable engine;

    error DepositShortfall(uint256 expected, uint256 received);

    constructor(IERC20 asset_, IPerpEngine engine_, string memory name_, string memory symbol_) ERC20(name_, symbol_) ERC4626(asset_) {
        engine = engine_;
    }

    /// @notice Vault cash minus traders' unrealised PnL, floored at zero.
    function totalAssets() public view override returns (uint256) {
        int256 equity = engine.vaultEquity();
        return equity > 0 ? uint256(equity) : 0;
    }

    /// @notice Limited by the owner's shares and by the cash not reserved for trader profit.
    function maxWithdraw(address owner) public view override returns (uint256) {
        uint256 ownerAssets = previewRedeem(balanceOf(owner));
        uint256 free = _unreservedCash();
        return ownerAssets < free ? ownerAssets : free;
    }

    function maxRedeem(address owner) public view override returns (uint256) {
        uint256 ownerShares = balanceOf(owner);
        uint256 freeShares = convertToShares(_unreservedCash()); // rounds down
        return ownerShares < freeShares ? ownerShares : freeShares;
    }

    function _unreservedCash() private view returns (uint256) {
        uint256 cash = engine.vaultCash();
        uint256 reserved = engine.reservedTraderProfit();
        return cash > reserved ? cash - reserved : 0;
    }

    /// @dev LP assets go straight to the engine, which credits exactly what arrived. Shares were
    /// priced for `assets`, so a fee-on-transfer shortfall reverts instead of diluting other LPs.
    function _transferIn(address from, uint256 assets) internal override {
        IERC20 token = IERC20(asset());
        uint256 balanceBefore = token.balanceOf(address(engine));
        token.safeTransferFrom(from, address(engine), assets);
        uint256 received = token.balanceOf(address(engine)) - balanceBefore;
        if (received != assets) revert DepositShortfall(assets, received);
        engine.creditVaultDeposit(assets);
    }

    function _transferOut(address to, uint256 assets) internal override {
        engine.releaseVaultCash(to, assets);
    }
}
