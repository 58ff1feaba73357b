import { expect } from "chai";
import * as math from "../../client/math.ts";
import { type MarketSnapshot, scanAtRisk, track } from "../../keeper/risk.ts";
import { defaultMarketConfig } from "../../scripts/lib/marketConfig.ts";

const WAD = 10n ** 18n;
const D = 10n ** 30n;
const config = defaultMarketConfig("0x0000000000000000000000000000000000000000", 6);
const tiers = config.tiers.slice(0, config.tierCount);

describe("keeper risk engine", () => {
  it("finds exactly the positions below maintenance, most underwater first, float pre-filter or not", () => {
    let seed = 42;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const market: MarketSnapshot = { price: 2950n * WAD, fundingIndex: 2n * WAD, tiers, valueDivisor: D };
    const positions = Array.from({ length: 3_000 }, (_, i) => {
      const size = BigInt(Math.round((0.01 + rand() * 400) * 1e6)) * 10n ** 12n * (rand() < 0.5 ? 1n : -1n);
      const entryPrice = BigInt(Math.round((2800 + rand() * 300) * 1e6)) * 10n ** 12n;
      const notional = ((size < 0n ? -size : size) * entryPrice) / D;
      // Margins cluster right at maintenance, where a float estimate could tip either way.
      const mm = math.maintenanceMargin(tiers, size, market.price, D);
      const pnl = math.traderValue(size, market.price - entryPrice, D);
      const margin =
        rand() < 0.5
          ? mm - pnl + BigInt(Math.round((rand() - 0.5) * 20))
          : (notional * 1_000_000n) / BigInt(Math.round((1 + rand() * 19) * 1e6));
      return track({
        id: BigInt(i + 1),
        marketId: 0,
        size,
        margin: margin > 0n ? margin : 1n,
        entryPrice,
        fundingSnapshot: market.fundingIndex,
      });
    });
    const found = scanAtRisk(positions, new Map([[0, market]]));
    const exact = positions.filter(
      (p) => math.equity(p, market.price, market.fundingIndex, D) < math.maintenanceMargin(tiers, p.size, market.price, D),
    );
    expect(found.map((r) => r.id).sort()).to.deep.equal(exact.map((p) => p.id).sort());
    expect(found.length > 100).to.equal(true);
    for (let i = 1; i < found.length; i++) {
      expect(found[i - 1].equity * found[i].maintenanceMargin <= found[i].equity * found[i - 1].maintenanceMargin).to.equal(true);
    }
  });
});
