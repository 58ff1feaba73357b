// Wakes the keeper loop at each new block when a websocket endpoint is configured, so a price
// update is acted on within one tick rather than after up to a poll interval. The HTTP poll stays
// as the fallback: a dropped or silent websocket only costs latency, never a missed tick.
import type { Logger } from "pino";
import { createPublicClient, webSocket } from "viem";

export class NewHeadSignal {
  private pending = false;
  private closing: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private readonly unwatch: (() => void) | undefined;
  private readonly closeSocket: (() => Promise<void>) | undefined;

  constructor(wsUrl: string | undefined, log: Logger) {
    if (!wsUrl) return;
    const client = createPublicClient({ transport: webSocket(wsUrl, { reconnect: true, keepAlive: true }) });
    // An open socket would keep the process alive after shutdown.
    this.closeSocket = async () => (await client.transport.getRpcClient()).close();
    this.unwatch = client.watchBlockNumber({
      onBlockNumber: () => this.notify(),
      onError: (error) => log.warn({ error: error.message.split("\n")[0] }, "new-head subscription error; polling meanwhile"),
    });
  }

  /** Resolves at the next new head (at once if one came during the last tick, or once closed) or
   * after `ms`. */
  async wait(ms: number): Promise<void> {
    if (!this.pending && !this.closing) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => this.wake?.(), ms);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.wake = undefined;
    this.pending = false;
  }

  /** Idempotent: shutdown calls it from the signal handler and again after the loop. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.unwatch?.();
      this.wake?.();
      await this.closeSocket?.();
    })();
    return this.closing;
  }

  private notify() {
    this.pending = true;
    this.wake?.();
  }
}
