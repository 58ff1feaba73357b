// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IPerpEngine} from "../interfaces/IPerpEngine.sol";
import {FundingLib} from "../libraries/FundingLib.sol";
import {AdlQueue, QueueNode} from "../adl/AdlQueue.sol";
import {MarketConfig, MarketState, Order, OrderRequest, OrderSettings, Position} from "../types/PerpTypes.sol";
import {EngineBase} from "./EngineBase.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {IGovernanceModule} from "../interfaces/IGovernanceModule.sol";
import {ILiquidationModule} from "../interfaces/ILiquidationModule.sol";
import {IOrderModule} from "../interfaces/IOrderModule.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {PerpMath} from "../libraries/PerpMath.sol";

/// @title PerpEngine
/// @notice The deployable engine: collateral accounts, margin top-ups, the insurance fund and the
/// vault's cash ledger, and the read side. It holds every token and all state. Three modules, each
/// with its own domain, run by delegatecall on this contract's storage (EngineBase's layout, which
/// CI checks is identical in all four): OrderModule (two-step trading), LiquidationModule
/// (liquidation, ADL) and GovernanceModule (markets, order settings, vault, guardian, pause).
contract PerpEngine is EngineBase, IPerpEngine {
    using SafeERC20 for IERC20Metadata;
    using SafeCast for uint256;

    /// @notice The code of liquidate, liquidateBatch and deleverage.
    address public immutable liquidationModule;
    /// @notice The code of the owner's and the guardian's controls.
    address public immutable governanceModule;
    /// @notice The code of createOrder, cancelOrder and executeOrder.
    address public immutable orderModule;

    error ModuleMismatch(address module);

    constructor(
        IERC20Metadata token,
        address initialOwner,
        address liquidation,
        address governance,
        address orders
    ) EngineBase(token, initialOwner) {
        _checkModule(liquidation, token);
        _checkModule(governance, token);
        _checkModule(orders, token);
        liquidationModule = liquidation;
        governanceModule = governance;
        orderModule = orders;
        // A fill price published at least 1 s after its request and at most 1 min old (anyone may
        // execute, so the age bounds how long an executor can wait after the fill price is out);
        // owners may cancel after 1 min; 0.2 token per execution, of which a failed order's
        // executor keeps 0.1.
        uint256 oneToken = 10 ** token.decimals();
        _orderBook.settings = OrderSettings(1, 1 minutes, 1 minutes, (oneToken / 5).toUint128(), (oneToken / 10).toUint128());
        emit OrderSettingsSet(_orderBook.settings);
    }

    /// @dev A module built for another token would compute with another value divisor.
    function _checkModule(address module, IERC20Metadata token) private view {
        if (EngineBase(module).valueDivisor() != valueDivisor || EngineBase(module).collateralToken() != token) {
            revert ModuleMismatch(module);
        }
    }

    // ─── Liquidation and ADL (LiquidationModule) ────────────────────────────────────────────

    /// @inheritdoc ILiquidationModule
    function liquidate(uint256, uint32) external {
        Address.functionDelegateCall(liquidationModule, msg.data);
    }

    /// @inheritdoc ILiquidationModule
    function liquidateBatch(uint256[] calldata, uint32[] calldata) external returns (uint256) {
        return abi.decode(Address.functionDelegateCall(liquidationModule, msg.data), (uint256));
    }

    /// @inheritdoc ILiquidationModule
    function liquidateFor(uint256, uint32, address) external {
        Address.functionDelegateCall(liquidationModule, msg.data);
    }

    /// @inheritdoc ILiquidationModule
    function deleverage(uint32, bool, uint256, uint256, uint32) external returns (uint256) {
        return abi.decode(Address.functionDelegateCall(liquidationModule, msg.data), (uint256));
    }

    // ─── Orders (OrderModule) ───────────────────────────────────────────────────────────────

    /// @inheritdoc IOrderModule
    function createOrder(OrderRequest calldata) external returns (uint256) {
        return abi.decode(Address.functionDelegateCall(orderModule, msg.data), (uint256));
    }

    /// @inheritdoc IOrderModule
    function cancelOrder(uint256) external {
        Address.functionDelegateCall(orderModule, msg.data);
    }

    /// @inheritdoc IOrderModule
    function executeOrder(uint256, bytes calldata, uint32) external payable {
        Address.functionDelegateCall(orderModule, msg.data);
    }

    /// @inheritdoc IOrderModule
    function executeOrders(uint256[] calldata, bytes[] calldata, uint32[] calldata) external payable returns (uint256) {
        return abi.decode(Address.functionDelegateCall(orderModule, msg.data), (uint256));
    }

    /// @inheritdoc IOrderModule
    function executeOrderFor(uint256, bytes calldata, uint32, address) external payable {
        Address.functionDelegateCall(orderModule, msg.data);
    }

    /// @inheritdoc IOrderModule
    function fillOrder(uint256, uint256, uint256, uint32, address) external {
        Address.functionDelegateCall(orderModule, msg.data);
    }

    // ─── Markets, vault, guardian, pause (GovernanceModule) ─────────────────────────────────

    /// @inheritdoc IGovernanceModule
    function setOrderSettings(OrderSettings calldata) external {
        Address.functionDelegateCall(governanceModule, msg.data);
    }

    /// @inheritdoc IGovernanceModule
    function listMarket(MarketConfig calldata) external returns (uint32) {
        return abi.decode(Address.functionDelegateCall(governanceModule, msg.data), (uint32));
    }

    /// @inheritdoc IGovernanceModule
    function updateMarket(uint32, MarketConfig calldata) external {
        Address.functionDelegateCall(governanceModule, msg.data);
    }

    /// @inheritdoc IGovernanceModule
    function setVault(address) external {
        Address.functionDelegateCall(governanceModule, msg.data);
    }

    /// @inheritdoc IGovernanceModule
    function setGuardian(address) external {
        Address.functionDelegateCall(governanceModule, msg.data);
    }

    /// @inheritdoc IGovernanceModule
    function setRiskPaused(bool) external {
        Address.functionDelegateCall(governanceModule, msg.data);
    }

    // ─── Accounts ───────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IPerpEngine
    function deposit(uint256 amount) external nonReentrant returns (uint256 credited) {
        credited = _pullTokens(amount);
        _creditFree(msg.sender, credited);
    }

    /// @inheritdoc IPerpEngine
    function depositWithPermit(
        uint256 amount,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant returns (uint256 credited) {
        // Anyone can submit a seen permit first; the deposit then runs on the allowance it set.
        try IERC20Permit(address(collateralToken)).permit(msg.sender, address(this), amount, deadline, v, r, s) {} catch {}
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

    // ─── Margin ─────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IPerpEngine
    function addMargin(uint32 marketId, uint256 amount, uint32 hint) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        uint256 positionId = positionIdOf(msg.sender, marketId);
        if (positionId == 0) revert NoPosition(msg.sender, marketId);
        _debitFree(msg.sender, amount);
        Position memory p = _positions[positionId];
        // No price is read: more margin only lowers risk, so this works even while the oracle is
        // down, and it stays immediate because it can't profit from a coming price.
        p.margin = (uint256(p.margin) + amount).toUint128();
        _storePosition(positionId, p, 0, 0, 0, hint);
    }

    // ─── Insurance fund and vault ledger ────────────────────────────────────────────────────

    /// @inheritdoc IPerpEngine
    function fundInsurance(uint256 amount) external nonReentrant {
        _changeLedgers(int256(_pullTokens(amount)), 0);
    }

    /// @inheritdoc IPerpEngine
    function creditVaultDeposit(uint256 amount) external nonReentrant {
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
        _checkPnlFactorsAfter(amount);
        _changeLedgers(0, -int256(amount));
        collateralToken.safeTransfer(to, amount);
    }

    /// @dev An LP withdrawal lowers the vault's equity, which raises every side's pnl factor: it may
    /// not push any side over its maximum, or an LP could manufacture a pool-protection ADL.
    function _checkPnlFactorsAfter(uint256 withdrawn) private view {
        int256 equityAfter = vaultEquity() - int256(withdrawn);
        for (uint32 m = 0; m < _marketCount; ++m) {
            (int256 longPnl, int256 shortPnl, ) = _valuedSidePnl(m);
            uint256 maxFactor = _configs[m].maxPnlFactor;
            _checkFactor(m, true, longPnl, equityAfter, maxFactor);
            _checkFactor(m, false, shortPnl, equityAfter, maxFactor);
        }
    }

    function _checkFactor(uint32 marketId, bool isLong, int256 pnl, int256 equityAfter, uint256 maxFactor) private pure {
        if (pnl <= 0) return;
        uint256 factor =
            equityAfter > 0 ? Math.mulDiv(uint256(pnl), PerpMath.WAD, uint256(equityAfter), Math.Rounding.Ceil) : type(uint256).max;
        if (factor > maxFactor) revert WithdrawalExceedsPnlFactor(marketId, isLong, factor, maxFactor);
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

    // ─── Views ──────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IPerpEngine
    function position(uint256 positionId) external view returns (Position memory) {
        return _positions[positionId];
    }

    /// @inheritdoc IOrderModule
    function order(uint256 orderId) external view returns (Order memory) {
        return _orderBook.orders[orderId];
    }

    /// @inheritdoc IOrderModule
    function orderCount() external view returns (uint256) {
        return _orderBook.count;
    }

    /// @inheritdoc IOrderModule
    function orderEscrow() external view returns (uint256) {
        return _orderBook.escrow;
    }

    /// @inheritdoc IOrderModule
    function orderSettings() external view returns (OrderSettings memory) {
        return _orderBook.settings;
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
    function queueNode(uint256 positionId) external view returns (QueueNode memory node) {
        Position memory p = _positions[positionId];
        if (p.size == 0) return node;
        return QueueNode(p.adlPrev, p.adlNext, p.marketId, _bucketOf(p), p.size > 0, true, int128(_k(p)));
    }

    /// @inheritdoc IPerpEngine
    function queueHead(uint32 marketId, bool isLong, uint16 bucket) external view returns (uint32) {
        return AdlQueue.head(_queue(marketId, isLong), bucket);
    }

    /// @inheritdoc IPerpEngine
    function queueBuckets(uint32 marketId, bool isLong) external view returns (uint256[4] memory) {
        return _queue(marketId, isLong).nonEmpty;
    }

    /// @inheritdoc IPerpEngine
    function adlTop(uint32 marketId, bool isLong) external view returns (uint32, uint16, int256) {
        MarketConfig memory c = _config(marketId);
        MarketState memory s = _states[marketId];
        uint256 price = c.oracle.price();
        (int256 index, ) = FundingLib.indexAt(c, s.fundingIndex, s.lastFundingTime, s.longSize, s.shortSize, price, block.timestamp);
        return AdlQueue.best(_queue(marketId, isLong), int256(price) - index, isLong);
    }
}
