// A JSON-RPC proxy on 127.0.0.1 that, once `faulty` is set, delays, drops or fails a share of the
// requests it forwards, and can go away entirely for a while (connections refused, as while a node
// restarts): the RPC weather a keeper must survive.
import { createServer, type Server } from "node:http";

export interface FaultyProxy {
  url: string;
  server: Server;
  stats: { forwarded: number; dropped: number; failed: number; delayed: number };
  setFaulty(on: boolean): void;
  /** Closes the port (connections refused) for `ms`, then listens on the same port again. */
  outage(ms: number): Promise<void>;
}

export async function startFaultyProxy(target: string, faultRate = 0.3, seed = 1): Promise<FaultyProxy> {
  let state = seed;
  const rand = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  let faulty = false;
  const stats = { forwarded: 0, dropped: 0, failed: 0, delayed: 0 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const roll = rand();
      if (faulty && roll < faultRate / 3) {
        stats.dropped++;
        req.socket.destroy();
        return;
      }
      if (faulty && roll < (2 * faultRate) / 3) {
        stats.failed++;
        res.writeHead(503).end("upstream unavailable");
        return;
      }
      if (faulty && roll < faultRate) {
        stats.delayed++;
        await new Promise((r) => setTimeout(r, 300 + rand() * 700));
      }
      try {
        const upstream = await fetch(target, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: Buffer.concat(chunks),
        });
        stats.forwarded++;
        res.writeHead(upstream.status, { "content-type": "application/json" }).end(await upstream.text());
      } catch {
        res.writeHead(502).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as { port: number };
  const outage = async (ms: number) => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await new Promise((resolve) => setTimeout(resolve, ms));
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", () => resolve()));
  };
  return { url: `http://127.0.0.1:${port}`, server, stats, setFaulty: (on) => (faulty = on), outage };
}
