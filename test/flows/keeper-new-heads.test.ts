// The keeper loop's wait between ticks: a poll interval, cut short by shutdown. (Waking on new
// heads over a websocket is covered end to end in keeper.test.ts.)
import { expect } from "chai";
import { pino } from "pino";
import { NewHeadSignal } from "../../keeper/newHeads.ts";

const elapsed = async (work: () => Promise<unknown>) => {
  const start = Date.now();
  await work();
  return Date.now() - start;
};

describe("keeper loop wait", () => {
  it("waits out the poll interval, ends at once when closed, and stays ended", async () => {
    const signal = new NewHeadSignal(undefined, pino({ level: "silent" }));
    expect(await elapsed(() => signal.wait(150))).to.be.within(140, 1_000);
    const waiting = signal.wait(60_000);
    setTimeout(() => void signal.close(), 50);
    expect(await elapsed(() => waiting)).to.be.lessThan(1_000);
    expect(await elapsed(() => signal.wait(60_000))).to.be.lessThan(100);
  });
});
