// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {AdlGrid} from "../adl/AdlGrid.sol";
import {ImmediateTradingEngine} from "../test/ImmediateTradingEngine.sol";
import {MAX_MARKETS, Position} from "../types/PerpTypes.sol";

/// @title EngineBench
/// @notice Benchmark harness (scripts/bench/gas-adl.ts): the engine (with the test-only one-step
/// trades) plus an owner-only way to
/// seed thousands of positions per transaction, so gas can be measured at 10,000 positions.
/// Seeded margin is not backed by tokens: never deploy this outside a benchmark.
contract EngineBench is ImmediateTradingEngine {
    using SafeCast for uint256;
    using SafeCast for int256;

    mapping(bytes32 sideBucket => uint32) private _tails;

    /// @dev The engine's own constructor arguments, so deployEngine (scripts/lib/deployProtocol.ts)
    /// deploys this harness exactly as it deploys the engine.
    constructor(
        IERC20Metadata token,
        address initialOwner,
        address liquidation,
        address governance,
        address orders
    ) ImmediateTradingEngine(token, initialOwner, liquidation, governance, orders) {}

    /// @notice Opens one position of `absSize` per entry of `margins` on one side at `entryPrice`.
    /// Entries drift away from the head, so each position joins its bucket's tail with an exact hint.
    function seedPositions(
        uint32 marketId,
        bool isLong,
        uint256 absSize,
        uint256 entryPrice,
        uint128[] calldata margins
    ) external onlyOwner {
        int128 index = _states[marketId].fundingIndex;
        for (uint256 i = 0; i < margins.length; ++i) {
            // Like a real trader who deposited and moved all of it into margin.
            address account = address(uint160(0x100000 + accountCount));
            uint32 number = _register(account);
            _accounts[account] = Account(0, number);
            uint256 id = number * MAX_MARKETS + marketId;
            Position memory empty;
            (empty.account, empty.marketId) = (account, marketId);
            Position memory p = Position(
                isLong ? absSize.toInt256().toInt128() : -absSize.toInt256().toInt128(),
                margins[i],
                (isLong ? entryPrice + id * 1e9 : entryPrice - id * 1e9).toUint128(),
                index,
                account,
                marketId,
                0,
                0
            );
            _updateSideTotals(marketId, empty, p);
            bytes32 key = keccak256(abi.encode(marketId, isLong, AdlGrid.bucketOf(absSize, p.margin, valueDivisor)));
            uint32 tail = _tails[key];
            _tails[key] = uint32(id);
            _storePosition(id, p, p.size, entryPrice, 0, tail);
        }
    }
}
