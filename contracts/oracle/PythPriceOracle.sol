// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {IPyth} from "@pythnetwork/pyth-sdk-solidity/IPyth.sol";
import {PythStructs} from "@pythnetwork/pyth-sdk-solidity/PythStructs.sol";
import {IPriceOracle} from "../interfaces/IPriceOracle.sol";
import {PythPriceMath} from "./PythPriceMath.sol";
import {SequencerUptimeGuard} from "./SequencerUptimeGuard.sol";

/// @title PythPriceOracle
/// @notice Adapts one Pyth price feed. Rejects non-positive prices, prices whose confidence
/// interval is too wide a share of the price, prices outside the market's range, and (for the
/// stored price) prices older than `maxAge`; normalises any exponent to WAD. Orders are filled with
/// a price proven by a signed update published after the order; anyone can push an update to make
/// the stored price fresh, e.g. a keeper right before a liquidation.
contract PythPriceOracle is IPriceOracle, SequencerUptimeGuard {
    uint256 public constant MAX_AGE_LIMIT = 2 days;
    uint256 internal constant WAD = 1e18;

    IPyth public immutable pyth;
    bytes32 public immutable priceId;
    /// @notice How old the stored price may be for `price()`, in seconds.
    uint256 public immutable maxAge;
    /// @notice The widest accepted confidence interval as a share of the price (WAD: 1e16 = 1%).
    uint256 public immutable maxConfidenceRatioWad;
    /// @notice The prices accepted, as WADs: a feed answering nonsense is refused instead of priced.
    uint256 public immutable minPriceWad;
    uint256 public immutable maxPriceWad;

    error InvalidPriceFeed(address pyth, bytes32 priceId);
    error InvalidMaxAge(uint256 maxAge);
    error InvalidConfidenceRatio(uint256 maxConfidenceRatioWad);
    error InvalidPriceBounds(uint256 minPriceWad, uint256 maxPriceWad);
    error PriceOutOfBounds(uint256 priceWad, uint256 minPriceWad, uint256 maxPriceWad);
    error ConfidenceTooWide(uint64 conf, int64 price, uint256 maxConfidenceRatioWad);
    error StalePrice(uint256 publishTime, uint256 maxAge, uint256 timestamp);
    /// @notice An order can't be proven with a price from after the block that fills it.
    error NotBeforeInFuture(uint256 notBefore, uint256 timestamp);
    /// @notice provenPrice takes exactly Pyth's fee: the engine pays it on the keeper's behalf.
    error IncorrectUpdateFee(uint256 sent, uint256 required);
    error InsufficientUpdateFee(uint256 sent, uint256 required);

    constructor(
        IPyth pyth_,
        bytes32 priceId_,
        uint256 maxAge_,
        uint256 maxConfidenceRatioWad_,
        AggregatorV3Interface sequencerUptimeFeed_,
        uint256 gracePeriod_,
        uint256 minPriceWad_,
        uint256 maxPriceWad_
    ) SequencerUptimeGuard(sequencerUptimeFeed_, gracePeriod_) {
        if (address(pyth_) == address(0) || priceId_ == bytes32(0)) revert InvalidPriceFeed(address(pyth_), priceId_);
        if (maxAge_ == 0 || maxAge_ > MAX_AGE_LIMIT) revert InvalidMaxAge(maxAge_);
        if (maxConfidenceRatioWad_ == 0 || maxConfidenceRatioWad_ > WAD) revert InvalidConfidenceRatio(maxConfidenceRatioWad_);
        if (minPriceWad_ == 0 || maxPriceWad_ <= minPriceWad_) revert InvalidPriceBounds(minPriceWad_, maxPriceWad_);
        pyth = pyth_;
        priceId = priceId_;
        maxAge = maxAge_;
        maxConfidenceRatioWad = maxConfidenceRatioWad_;
        minPriceWad = minPriceWad_;
        maxPriceWad = maxPriceWad_;
    }

    /// @inheritdoc IPriceOracle
    function price() external view returns (uint256 priceWad) {
        _requireSequencerUp();
        PythStructs.Price memory p = pyth.getPriceUnsafe(priceId);
        priceWad = _boundedWad(p);
        _requireConfidence(p);
        if (!_withinMaxAge(p.publishTime)) revert StalePrice(p.publishTime, maxAge, block.timestamp);
    }

    /// @inheritdoc IPriceOracle
    /// @dev A price with too wide a confidence interval is still a usable valuation, but not fresh.
    function valuationPrice() external view returns (uint256 priceWad, bool fresh) {
        PythStructs.Price memory p = pyth.getPriceUnsafe(priceId);
        priceWad = _boundedWad(p);
        fresh = _withinMaxAge(p.publishTime) && _confidenceWithinBound(p) && _sequencerUp();
    }

    /// @inheritdoc IPriceOracle
    function latestPublishTime() external view returns (uint256) {
        return pyth.getPriceUnsafe(priceId).publishTime;
    }

    /// @inheritdoc IPriceOracle
    /// @dev With `firstAfter`, Pyth's parsePriceFeedUpdatesUnique accepts only an update whose
    /// previous publish time is before `notBefore`, i.e. the first one at or after it. MockPyth
    /// 4.3.1 does not check that (its Unique variant passes checkUniqueness = false); tests use
    /// test/StrictUniqueMockPyth, which routes it to MockPyth's checking path as the real contract does.
    function provenPrice(
        bytes calldata priceData,
        uint256 notBefore,
        bool firstAfter
    ) external payable returns (uint256 priceWad, uint256 publishTime) {
        _requireSequencerUp();
        if (notBefore > block.timestamp) revert NotBeforeInFuture(notBefore, block.timestamp);
        bytes[] memory updateData = abi.decode(priceData, (bytes[]));
        uint256 fee = pyth.getUpdateFee(updateData);
        if (msg.value != fee) revert IncorrectUpdateFee(msg.value, fee);
        bytes32[] memory ids = new bytes32[](1);
        ids[0] = priceId;
        // Both bounds fit in uint64: notBefore <= block.timestamp.
        (uint64 minTime, uint64 maxTime) = (uint64(notBefore), uint64(block.timestamp));
        PythStructs.PriceFeed[] memory feeds =
            firstAfter
                ? pyth.parsePriceFeedUpdatesUnique{value: fee}(updateData, ids, minTime, maxTime)
                : pyth.parsePriceFeedUpdates{value: fee}(updateData, ids, minTime, maxTime);
        // Pyth returns only an update verified and published within [minTime, maxTime], or reverts
        // (PriceFeedNotFoundWithinRange); the adapter trusts it for that as for the signatures.
        PythStructs.Price memory p = feeds[0].price;
        publishTime = p.publishTime;
        priceWad = _boundedWad(p);
        _requireConfidence(p);
    }

    /// @inheritdoc IPriceOracle
    function updateFee(bytes calldata priceData) external view returns (uint256) {
        return pyth.getUpdateFee(abi.decode(priceData, (bytes[])));
    }

    /// @notice Pushes signed price updates into Pyth, paying its fee from `msg.value` and refunding
    /// the rest, so the stored price is fresh for whatever the caller does next in the same block.
    function updatePrice(bytes[] calldata updateData) external payable {
        uint256 fee = pyth.getUpdateFee(updateData);
        if (msg.value < fee) revert InsufficientUpdateFee(msg.value, fee);
        pyth.updatePriceFeeds{value: fee}(updateData);
        // The adapter keeps no state, so a re-entrant refund recipient can change nothing here.
        if (msg.value > fee) Address.sendValue(payable(msg.sender), msg.value - fee);
    }

    /// @dev The price as a WAD, refused when non-positive (PythPriceMath.NonPositivePrice), its
    /// exponent unsupported, or outside the market's range.
    function _boundedWad(PythStructs.Price memory p) private view returns (uint256 priceWad) {
        priceWad = PythPriceMath.toWad(p.price, p.expo);
        if (priceWad < minPriceWad || priceWad > maxPriceWad) revert PriceOutOfBounds(priceWad, minPriceWad, maxPriceWad);
    }

    function _requireConfidence(PythStructs.Price memory p) private view {
        if (!_confidenceWithinBound(p)) revert ConfidenceTooWide(p.conf, p.price, maxConfidenceRatioWad);
    }

    /// @dev conf / price <= maxConfidenceRatioWad / WAD, cross-multiplied so nothing rounds; both
    /// share the exponent, so it cancels. Needs p.price > 0 (checked by _boundedWad first).
    function _confidenceWithinBound(PythStructs.Price memory p) private view returns (bool) {
        return uint256(p.conf) * WAD <= maxConfidenceRatioWad * uint256(uint64(p.price));
    }

    /// @dev As Pyth's getPriceNoOlderThan: the distance either way, so a publish time a little
    /// ahead of a lagging block clock counts as fresh.
    function _withinMaxAge(uint256 publishTime) private view returns (bool) {
        uint256 distance = publishTime > block.timestamp ? publishTime - block.timestamp : block.timestamp - publishTime;
        return distance <= maxAge;
    }
}
