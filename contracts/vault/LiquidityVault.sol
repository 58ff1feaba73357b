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
/// LPs cannot withdraw the cash that winners may claim (the engine's reserve). Shares can't be
/// bought below their value: a token donation to the engine or the vault does not move
/// `totalAssets`, OpenZeppelin's virtual shares (`_decimalsOffset`) make the first-depositor
/// inflation attack unprofitable, and nobody can buy shares while the vault's equity is zero or
/// below (the floored `totalAssets` would sell the whole supply for an atom).
contract LiquidityVault is ERC4626 {
    using SafeERC20 for IERC20;

    /// @dev Shares carry 6 more decimals than the asset: 10^6 virtual shares per virtual asset atom.
    uint8 private constant DECIMALS_OFFSET = 6;

    IPerpEngine public immutable engine;

    error DepositShortfall(uint256 expected, uint256 received);
    /// @notice Shares can't be bought while the vault's equity (cash minus traders' PnL) is not positive.
    error VaultInsolvent(int256 equity);
    /// @notice Shares can't be bought while a market's feed is stale: the vault can't be priced fairly.
    error VaultValuationStale(int256 conservativeEquity);

    constructor(IERC20 asset_, IPerpEngine engine_, string memory name_, string memory symbol_) ERC20(name_, symbol_) ERC4626(asset_) {
        engine = engine_;
    }

    /// @notice Vault cash minus traders' unrealised PnL, floored at zero.
    function totalAssets() public view override returns (uint256) {
        int256 equity = engine.vaultEquity();
        return equity > 0 ? uint256(equity) : 0;
    }

    /// @notice Zero while existing shares have no positive equity behind them: they would be sold
    /// for nothing.
    function maxDeposit(address) public view override returns (uint256) {
        return _sharesForSale() ? type(uint256).max : 0;
    }

    /// @notice Zero while existing shares have no positive equity behind them, as maxDeposit.
    function maxMint(address) public view override returns (uint256) {
        return _sharesForSale() ? type(uint256).max : 0;
    }

    /// @notice ERC-4626 deposit; reverts VaultInsolvent while the vault's equity is not positive.
    function deposit(uint256 assets, address receiver) public override returns (uint256) {
        _requireSolvent();
        return super.deposit(assets, receiver);
    }

    /// @notice ERC-4626 mint; reverts VaultInsolvent while the vault's equity is not positive.
    function mint(uint256 shares, address receiver) public override returns (uint256) {
        _requireSolvent();
        return super.mint(shares, receiver);
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

    /// @dev Values the vault once (every market's price) for both the check and the revert reason.
    function _requireSolvent() private view {
        (int256 equity, bool allFresh) = engine.vaultValuation();
        if (!allFresh) revert VaultValuationStale(equity);
        if (!_sellableAt(equity, allFresh)) revert VaultInsolvent(equity);
    }

    function _sharesForSale() private view returns (bool) {
        (int256 equity, bool allFresh) = engine.vaultValuation();
        return _sellableAt(equity, allFresh);
    }

    /// @dev An empty vault's first deposit is priced by the virtual shares alone; once shares exist,
    /// they are sold only against positive equity. While a feed is stale the valuation is the
    /// conservative one that protects withdrawals: selling shares at it would dilute the LPs, so
    /// nothing is sold until every price is fresh.
    function _sellableAt(int256 equity, bool allFresh) private view returns (bool) {
        return allFresh && (equity > 0 || (equity == 0 && totalSupply() == 0));
    }

    function _decimalsOffset() internal pure override returns (uint8) {
        return DECIMALS_OFFSET;
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
