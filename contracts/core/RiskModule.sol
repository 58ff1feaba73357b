// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {EngineBase} from "./EngineBase.sol";
import {Liquidation} from "./Liquidation.sol";
import {MarketAdmin} from "./MarketAdmin.sol";

/// @title RiskModule
/// @notice The code of market listing, liquidation and auto-deleveraging, which PerpEngine runs by
/// delegatecall on its own storage (both share EngineBase's layout), so that each contract stays
/// under the 24 KB code-size limit. Called directly, it would act on its own empty storage, so it
/// refuses.
contract RiskModule is MarketAdmin, Liquidation {
    /// @dev Built for one settlement token: its immutables (token, value divisor) must match the engine's.
    constructor(IERC20Metadata token) EngineBase(token, msg.sender) {}
}
