// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IPerpEngine} from "../interfaces/IPerpEngine.sol";
import {FundingLib} from "../libraries/FundingLib.sol";
import {MarketConfigLib} from "../libraries/MarketConfigLib.sol";
import {PerpMath} from "../libraries/PerpMath.sol";
import {MarketConfig, MarketState, Position} from "../types/PerpTypes.sol";
import {EngineBase} from "./EngineBase.sol";
import {Liquidation} from "./Liquidation.sol";
import {Trading} from "./Trading.sol";

/// @title PerpEngine
/// @notice The deployable engine: collateral accounts, owner and guardian controls, the vault's
/// cash ledger, and the read side the vault and the lens need. Trading and liquidation live in
/// their own abstract contracts.
contract PerpEngine is Trading, Liquidation {
    using SafeERC20 for IERC20Metadata;

    constructor(IERC20Metadata token, address initialOwner) EngineBase(token, initialOwner) {}

    // ─── Accounts ───────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IPerpEngine
    function deposit(uint256 amount) external nonReentrant returns (uint256 credited) {
        credited = _pullTokens(amount);
        _creditFree(msg.sender, credited);
    }

    /// @inheritdoc IPerpEngine
    function withdraw(uint256 amount, address to) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        if (to == address(0)) revert ZeroAddress();
        _debitFree(msg.sender, amount);
        collateralToken.safeTransfer(to, amount);
    }

    // ─── Insurance fund and vault ledger ────────────────────────────────────────────────────

    /// @inheritdoc IPerpEngine
    function fundInsurance(uint256 amount) external nonReentrant {
        _changeLedgers(int256(_pullTokens(amount)), 0);
    }

    /// @inheritdoc IPerpEngine
    function creditVaultDeposit(uint256 amount) external {
        _onlyVault();
        _changeLedgers(0, int256(amount));
    }

    /// @inheritdoc IPerpEngine
    function releaseVaultCash(address to, uint256 amount) external nonReentrant {
        _onlyVault();
        uint256 reserved = reservedTraderProfit();
        uint256 cash = vaultCash();
        uint256 available = cash > reserved ? cash - reserved : 0;
        if (amount > available) revert InsufficientVaultCash(available, amount);
        _changeLedgers(0, -int256(amount));
        collateralToken.safeTransfer(to, amount);
    }

    /// @dev Credits what actually arrived, so a fee-on-transfer token can never be over-credited.
    function _pullTokens(uint256 amount) private returns (uint256 received) {
        if (amount == 0) revert ZeroAmount();
        uint256 balanceBefore = collateralToken.balanceOf(address(this));
        collateralToken.safeTransferFrom(msg.sender, address(this), amount);
        received = collateralToken.balanceOf(address(this)) - balanceBefore;
        if (received == 0) revert NothingReceived(amount);
    }

    function _onlyVault() private view {
        if (msg.sender != vault) revert NotVault(msg.sender);
    }

    // ─── Owner and guardian ─────────────────────────────────────────────────────────────────

    function listMarket(MarketConfig calldata config) external onlyOwner returns (uint32 marketId) {
        if (_marketCount >= MAX_MARKETS) revert TooManyMarkets(MAX_MARKETS);
        MarketConfigLib.validate(config);
        marketId = _marketCount++;
        _configs[marketId] = config;
        _states[marketId].lastFundingTime = uint64(block.timestamp);
        emit MarketListed(marketId, config);
    }

    /// @notice Replaces a market's parameters; funding accrues first at the old rates.
    function updateMarket(uint32 marketId, MarketConfig calldata config) external onlyOwner {
        MarketConfig memory current = _config(marketId);
        MarketConfigLib.validate(config);
        _priceAndAccrue(marketId, current);
        _configs[marketId] = config;
        emit MarketConfigUpdated(marketId, config);
    }

    /// @notice The vault is set once: its address is part of every LP's trust assumption.
    function setVault(address newVault) external onlyOwner {
        if (vault != address(0)) revert VaultAlreadySet(vault);
        if (newVault == address(0)) revert ZeroAddress();
        vault = newVault;
        emit VaultSet(newVault);
    }

    function setGuardian(address newGuardian) external onlyOwner {
        guardian = newGuardian;
        emit GuardianSet(newGuardian);
    }

    /// @notice Pauses new risk only: opening, increasing and removing margin. Closing, reducing,
    /// adding margin and liquidating stay open.
    function setRiskPaused(bool paused) external {
        if (msg.sender != guardian && msg.sender != owner()) revert NotGuardian(msg.sender);
        riskPaused = paused;
        emit RiskPausedSet(paused);
    }

    // ─── Views ──────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IPerpEngine
    function position(uint256 positionId) external view returns (Position memory) {
        return _positions[positionId];
    }

    /// @inheritdoc IPerpEngine
    function marketConfig(uint32 marketId) external view returns (MarketConfig memory) {
        return _config(marketId);
    }

    /// @inheritdoc IPerpEngine
    function marketState(uint32 marketId) external view returns (MarketState memory) {
        _config(marketId);
        return _states[marketId];
    }

    /// @inheritdoc IPerpEngine
    function marketCount() external view returns (uint32) {
        return _marketCount;
    }

    /// @inheritdoc IPerpEngine
    function vaultEquity() external view returns (int256 equity) {
        equity = int256(vaultCash());
        for (uint32 m = 0; m < _marketCount; ++m) {
            (int256 longPnl, int256 shortPnl) = sidePnl(m);
            equity -= longPnl + shortPnl;
        }
    }

    /// @inheritdoc IPerpEngine
    function reservedTraderProfit() public view returns (uint256 reserved) {
        for (uint32 m = 0; m < _marketCount; ++m) {
            (int256 longPnl, int256 shortPnl) = sidePnl(m);
            if (longPnl > 0) reserved += uint256(longPnl) + 1; // +1 rounds the reserve up
            if (shortPnl > 0) reserved += uint256(shortPnl) + 1;
        }
    }

    /// @notice Aggregate unrealised PnL net of pending funding of each side, at the current price.
    function sidePnl(uint32 marketId) public view returns (int256 longPnl, int256 shortPnl) {
        MarketConfig memory c = _config(marketId);
        MarketState memory s = _states[marketId];
        uint256 price = c.oracle.price();
        (int256 index, ) = FundingLib.indexAt(c, s.fundingIndex, s.lastFundingTime, s.longSize, s.shortSize, price, block.timestamp);
        int256 x = int256(price) - index;
        longPnl = PerpMath.traderValueFloor(1, int256(uint256(s.longSize)) * x - s.longSizeK, valueDivisor);
        shortPnl = PerpMath.traderValueFloor(1, s.shortSizeK - int256(uint256(s.shortSize)) * x, valueDivisor);
    }
}
