// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IPerpEngine} from "../interfaces/IPerpEngine.sol";
import {IPriceOracle} from "../interfaces/IPriceOracle.sol";

/// @title LiquidityVault
/// @notice ERC-4626 vault whose LPs are the counterparty to traders' net open interest. LPs enter
/// and leave only through requests (ERC-7540 style) that anyone settles later, at the valuation
/// of prices published after the request: capital can't be timed around a price update visible
/// in the mempool, a liquidation or pending ADL debt, because the move is already in the price
/// the request settles at.
/// @dev The engine custodies the cash and keeps its ledger, so realised PnL never costs a token
/// transfer. `totalAssets` is that cash minus traders' aggregate unrealised PnL net of funding;
/// LPs cannot withdraw the cash that winners may claim (the engine's reserve). Shares can't be
/// bought below their value: a token donation to the engine or the vault does not move
/// `totalAssets`, OpenZeppelin's virtual shares (`_decimalsOffset`) make the first-depositor
/// inflation attack unprofitable, and no deposit settles while the vault's equity is zero or
/// below (the floored `totalAssets` would sell the whole supply for an atom).
/// Escrow: a deposit request's assets wait in this contract and are not vault equity until
/// settled; a redemption request's shares wait in this contract and stay in the supply (they keep
/// bearing the vault's PnL) until burned at settlement.
/// ERC-4626 views: `previewDeposit`/`previewMint`/`previewRedeem`/`previewWithdraw` and the
/// `convertTo*` functions quote the current valuation, which is what a request settled now would
/// get; a request settles at the valuation of its settlement block. The immediate `deposit`, `mint`,
/// `withdraw` and `redeem` revert ImmediateFlowDisabled, and their `max*` views return 0.
contract LiquidityVault is ERC4626, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @dev Shares carry 6 more decimals than the asset: 10^6 virtual shares per virtual asset atom.
    uint8 private constant DECIMALS_OFFSET = 6;

    /// @notice A request settles no earlier than this after it was made (one L1 slot), and only once
    /// every market has published a price after it.
    uint256 public constant MIN_REQUEST_DELAY = 12 seconds;
    /// @notice The requester may take its escrow back this long after the request; by then a live
    /// keeper has settled every request that could settle, so cancelling is no option on a price.
    uint256 public constant CANCEL_DELAY = 1 hours;

    IPerpEngine public immutable engine;
    /// @notice The smallest deposit request, and the smallest redemption request's value unless it
    /// redeems the requester's whole balance: each request costs the keeper a settlement.
    uint256 public immutable minRequestAssets;

    /// @dev Three slots: who and when, where to, how much (assets for a deposit, shares for a redemption).
    struct Request {
        address owner;
        uint40 requestedAt;
        bool isDeposit;
        address receiver;
        uint256 amount;
    }

    /// @notice Pending requests by id; a settled or cancelled request reads as all zero.
    mapping(uint256 id => Request) public requests;
    /// @notice The id the next request gets (ids start at 1).
    uint64 public nextRequestId = 1;
    /// @notice Assets escrowed by pending deposit requests; this contract holds at least as many tokens.
    uint192 public pendingDepositAssets;

    event DepositRequested(uint256 indexed id, address indexed owner, address indexed receiver, uint256 assets, uint256 requestedAt);
    event RedeemRequested(uint256 indexed id, address indexed owner, address indexed receiver, uint256 shares, uint256 requestedAt);
    /// @param equity The vault's equity the shares were priced at, before the deposit.
    event DepositSettled(uint256 indexed id, address indexed receiver, uint256 assets, uint256 shares, int256 equity);
    /// @param equity The vault's equity the shares were priced at, before the redemption.
    event RedeemSettled(uint256 indexed id, address indexed receiver, uint256 shares, uint256 assets, int256 equity);
    /// @notice The escrow (assets for a deposit, shares for a redemption) went back to the owner.
    event RequestCancelled(uint256 indexed id, address indexed owner, bool isDeposit, uint256 amount);
    /// @notice A batch left this request pending; `reason` is the custom error settling it alone reverts with.
    event RequestSkipped(uint256 indexed id, bytes reason);

    error DepositShortfall(uint256 expected, uint256 received);
    /// @notice No deposit settles while the vault's equity (cash minus traders' PnL) is not positive.
    error VaultInsolvent(int256 equity);
    /// @notice No deposit settles while a market's feed is stale: the vault can't be priced fairly.
    error VaultValuationStale(int256 conservativeEquity);
    /// @notice Entering or leaving at the current price is disabled: use requestDeposit / requestRedeem.
    error ImmediateFlowDisabled(bytes4 selector);
    error RequestTooSmall(uint256 assets, uint256 minAssets);
    error UnknownRequest(uint256 id);
    error NotRequestOwner(uint256 id, address caller, address owner);
    error RequestTooRecent(uint256 id, uint256 settleableAt);
    /// @notice `marketId` has published nothing since the request: settling now would use a price the
    /// requester could already see.
    error PriceNotPublishedSince(uint256 id, uint32 marketId, uint256 publishTime, uint256 requestedAt);
    error CancelTooEarly(uint256 id, uint256 cancellableAt);
    /// @notice The redemption is worth no assets at the current valuation; it stays pending.
    error NothingToRedeem(uint256 id, uint256 shares);
    /// @notice The engine refused to pay a redemption without giving a reason.
    error RedemptionRefused(uint256 id);

    constructor(IERC20 asset_, IPerpEngine engine_, string memory name_, string memory symbol_) ERC20(name_, symbol_) ERC4626(asset_) {
        engine = engine_;
        minRequestAssets = 10 ** IERC20Metadata(address(asset_)).decimals(); // one whole token
    }

    // ─── Requests ───────────────────────────────────────────────────────────────────────────

    /// @notice Escrows `assets` for shares minted to `receiver` when the request is settled.
    function requestDeposit(uint256 assets, address receiver) external nonReentrant returns (uint256 id) {
        if (assets < minRequestAssets) revert RequestTooSmall(assets, minRequestAssets);
        if (receiver == address(0)) revert ERC20InvalidReceiver(receiver);
        IERC20 token = IERC20(asset());
        uint256 balanceBefore = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), assets);
        uint256 received = token.balanceOf(address(this)) - balanceBefore;
        // The request is priced for `assets`: a fee-on-transfer shortfall is refused, not diluted.
        if (received != assets) revert DepositShortfall(assets, received);
        pendingDepositAssets += SafeCast.toUint192(assets);
        id = _store(true, receiver, assets);
        emit DepositRequested(id, msg.sender, receiver, assets, block.timestamp);
    }

    /// @notice Escrows `shares` for the assets paid to `receiver` when the request is settled.
    function requestRedeem(uint256 shares, address receiver) external nonReentrant returns (uint256 id) {
        if (receiver == address(0)) revert ERC20InvalidReceiver(receiver);
        if (shares != balanceOf(msg.sender)) {
            uint256 value = convertToAssets(shares);
            if (value < minRequestAssets) revert RequestTooSmall(value, minRequestAssets);
        }
        if (shares == 0) revert RequestTooSmall(0, minRequestAssets);
        _transfer(msg.sender, address(this), shares);
        id = _store(false, receiver, shares);
        emit RedeemRequested(id, msg.sender, receiver, shares, block.timestamp);
    }

    /// @notice Settles one due request, reverting with the reason it can't settle now.
    function settleRequest(uint256 id) external nonReentrant {
        bytes memory failure = _settle(id);
        // Re-raises the custom error the batch would have reported (OpenZeppelin bubbles it verbatim).
        if (failure.length != 0) Address.verifyCallResult(false, failure);
    }

    /// @notice Settles every request of `ids` that can settle now; each other one stays as it was
    /// and is reported by RequestSkipped, so one request can't block the batch.
    function settleRequests(uint256[] calldata ids) external nonReentrant returns (uint256 settled) {
        for (uint256 i = 0; i < ids.length; ++i) {
            bytes memory failure = _settle(ids[i]);
            if (failure.length == 0) ++settled;
            else emit RequestSkipped(ids[i], failure);
        }
    }

    /// @notice The requester takes its escrow back, CANCEL_DELAY after the request.
    function cancelRequest(uint256 id) external nonReentrant {
        Request memory r = requests[id];
        if (r.owner == address(0)) revert UnknownRequest(id);
        if (msg.sender != r.owner) revert NotRequestOwner(id, msg.sender, r.owner);
        uint256 cancellableAt = uint256(r.requestedAt) + CANCEL_DELAY;
        if (block.timestamp < cancellableAt) revert CancelTooEarly(id, cancellableAt);
        delete requests[id];
        if (r.isDeposit) {
            pendingDepositAssets -= uint192(r.amount);
            IERC20(asset()).safeTransfer(r.owner, r.amount);
        } else {
            _transfer(address(this), r.owner, r.amount);
        }
        emit RequestCancelled(id, r.owner, r.isDeposit, r.amount);
    }

    /// @notice Why `id` can't settle now (a custom error's encoding), or empty when it can.
    /// @dev Checks timing and the deposit's pricing; a redemption may still be refused by the
    /// engine's reserve or pnl-factor rule when settled.
    function settleBlocker(uint256 id) external view returns (bytes memory) {
        Request memory r = requests[id];
        if (r.owner == address(0)) return abi.encodeWithSelector(UnknownRequest.selector, id);
        bytes memory notDue = _notDue(id, r);
        if (notDue.length != 0 || !r.isDeposit) return notDue;
        (int256 equity, bool allFresh) = engine.vaultValuation();
        return _unsellable(equity, allFresh);
    }

    function _store(bool isDeposit, address receiver, uint256 amount) private returns (uint256 id) {
        id = nextRequestId++;
        requests[id] = Request(msg.sender, uint40(block.timestamp), isDeposit, receiver, amount);
    }

    /// @dev Returns the encoded custom error that keeps `id` pending, or empty once it settled.
    function _settle(uint256 id) private returns (bytes memory) {
        Request memory r = requests[id];
        if (r.owner == address(0)) return abi.encodeWithSelector(UnknownRequest.selector, id);
        bytes memory notDue = _notDue(id, r);
        if (notDue.length != 0) return notDue;
        return r.isDeposit ? _settleDeposit(id, r) : _settleRedeem(id, r);
    }

    /// @dev Shares are priced at the equity before the assets arrive, rounded down (OpenZeppelin's
    /// formula with the virtual shares), for what the engine actually received.
    function _settleDeposit(uint256 id, Request memory r) private returns (bytes memory) {
        (int256 equity, bool allFresh) = engine.vaultValuation();
        bytes memory unsellable = _unsellable(equity, allFresh);
        if (unsellable.length != 0) return unsellable;
        delete requests[id];
        pendingDepositAssets -= uint192(r.amount);
        IERC20 token = IERC20(asset());
        uint256 balanceBefore = token.balanceOf(address(engine));
        token.safeTransfer(address(engine), r.amount);
        uint256 received = token.balanceOf(address(engine)) - balanceBefore;
        engine.creditVaultDeposit(received);
        uint256 shares = Math.mulDiv(received, totalSupply() + 10 ** _decimalsOffset(), uint256(equity) + 1);
        _mint(r.receiver, shares);
        emit DepositSettled(id, r.receiver, received, shares, equity);
        return "";
    }

    /// @dev Assets are the shares' part of the equity, rounded down; while a feed is stale that
    /// equity is the conservative one, so a leaver never takes more than the worse valuation
    /// justifies. The engine pays it only within the reserve and the pnl-factor rule; otherwise the
    /// request stays pending with its shares escrowed.
    function _settleRedeem(uint256 id, Request memory r) private returns (bytes memory) {
        (int256 equity, ) = engine.vaultValuation();
        if (equity <= 0) return abi.encodeWithSelector(VaultInsolvent.selector, equity);
        uint256 assets = Math.mulDiv(r.amount, uint256(equity) + 1, totalSupply() + 10 ** _decimalsOffset());
        if (assets == 0) return abi.encodeWithSelector(NothingToRedeem.selector, id, r.amount);
        try engine.releaseVaultCash(r.receiver, assets) {
            delete requests[id];
            _burn(address(this), r.amount);
            emit RedeemSettled(id, r.receiver, r.amount, assets, equity);
            return "";
        } catch (bytes memory reason) {
            return reason.length != 0 ? reason : abi.encodeWithSelector(RedemptionRefused.selector, id);
        }
    }

    /// @dev Due once MIN_REQUEST_DELAY old and every market has published after the request. A
    /// redemption doesn't wait for a market whose feed is stale: it is valued 10% against the
    /// vault there, and a dead feed must not freeze LP exits.
    function _notDue(uint256 id, Request memory r) private view returns (bytes memory) {
        uint256 settleableAt = uint256(r.requestedAt) + MIN_REQUEST_DELAY;
        if (block.timestamp < settleableAt) return abi.encodeWithSelector(RequestTooRecent.selector, id, settleableAt);
        uint32 markets = engine.marketCount();
        for (uint32 m = 0; m < markets; ++m) {
            IPriceOracle oracle = engine.marketOracle(m);
            uint256 publishTime = oracle.latestPublishTime();
            if (publishTime > r.requestedAt) continue;
            if (!r.isDeposit) {
                (, bool fresh) = oracle.valuationPrice();
                if (!fresh) continue;
            }
            return abi.encodeWithSelector(PriceNotPublishedSince.selector, id, m, publishTime, r.requestedAt);
        }
        return "";
    }

    /// @dev An empty vault's first deposit is priced by the virtual shares alone; once shares exist,
    /// they are sold only against positive equity. While a feed is stale the valuation is the
    /// conservative one that protects withdrawals: selling shares at it would dilute the LPs, so
    /// nothing is sold until every price is fresh.
    function _unsellable(int256 equity, bool allFresh) private view returns (bytes memory) {
        if (!allFresh) return abi.encodeWithSelector(VaultValuationStale.selector, equity);
        if (equity > 0 || (equity == 0 && totalSupply() == 0)) return "";
        return abi.encodeWithSelector(VaultInsolvent.selector, equity);
    }

    // ─── ERC-4626 ───────────────────────────────────────────────────────────────────────────

    /// @notice Vault cash minus traders' unrealised PnL, floored at zero. Escrowed deposits are not in it.
    function totalAssets() public view override returns (uint256) {
        int256 equity = engine.vaultEquity();
        return equity > 0 ? uint256(equity) : 0;
    }

    /// @notice 0: shares are bought only through requestDeposit.
    function maxDeposit(address) public pure override returns (uint256) {
        return 0;
    }

    /// @notice 0: shares are bought only through requestDeposit.
    function maxMint(address) public pure override returns (uint256) {
        return 0;
    }

    /// @notice 0: shares are sold only through requestRedeem.
    function maxWithdraw(address) public pure override returns (uint256) {
        return 0;
    }

    /// @notice 0: shares are sold only through requestRedeem.
    function maxRedeem(address) public pure override returns (uint256) {
        return 0;
    }

    /// @notice Disabled: it would sell shares at a price the buyer already knows.
    function deposit(uint256, address) public pure override returns (uint256) {
        revert ImmediateFlowDisabled(this.deposit.selector);
    }

    /// @notice Disabled, as deposit.
    function mint(uint256, address) public pure override returns (uint256) {
        revert ImmediateFlowDisabled(this.mint.selector);
    }

    /// @notice Disabled: it would buy shares back at a price the seller already knows.
    function withdraw(uint256, address, address) public pure override returns (uint256) {
        revert ImmediateFlowDisabled(this.withdraw.selector);
    }

    /// @notice Disabled, as withdraw.
    function redeem(uint256, address, address) public pure override returns (uint256) {
        revert ImmediateFlowDisabled(this.redeem.selector);
    }

    function _decimalsOffset() internal pure override returns (uint8) {
        return DECIMALS_OFFSET;
    }
}
