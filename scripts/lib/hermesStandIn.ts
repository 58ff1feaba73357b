// A local stand-in for Pyth's Hermes price service, for tests and local runs: the two routes the
// keeper's HermesClient calls, answering with updates in MockPyth's format instead of
// Wormhole-signed ones. Bound to 127.0.0.1 on a free port; close() stops it.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Hex } from "viem";
import { encodeMockPythUpdate, type PythPricePoint } from "./mockPythUpdate.ts";

export interface HermesStandIn {
  /** The base URL to give HermesClient, e.g. http://127.0.0.1:40123/ */
  url: string;
  /** Records a price for `id`; publish times must increase per feed, as Pyth's do. */
  publish(id: Hex, price: bigint, conf: bigint, expo: number, publishTime: number): void;
  /** How many requests it answered, successful or not. */
  requests(): number;
  close(): Promise<void>;
}

/** Hermes writes feed ids as 64 hex digits without a 0x prefix and accepts either form. */
const feedKey = (id: string) => id.toLowerCase().replace(/^0x/, "");

class NotFound extends Error {}
class BadRequest extends Error {}

export async function startHermesStandIn(): Promise<HermesStandIn> {
  const history = new Map<string, PythPricePoint[]>();
  let answered = 0;

  const publish: HermesStandIn["publish"] = (id, price, conf, expo, publishTime) => {
    const points = history.get(feedKey(id)) ?? [];
    const prev = points.at(-1);
    if (prev && publishTime <= prev.publishTime) {
      throw new Error(`publish time ${publishTime} for ${id} is not after the previous ${prev.publishTime}`);
    }
    points.push({ id: `0x${feedKey(id)}`, price, conf, expo, publishTime, prevPublishTime: prev?.publishTime ?? 0 });
    history.set(feedKey(id), points);
  };

  /** The feed's update chosen by `pick`, or NotFound as Hermes answers 404. */
  const select = (ids: string[], ignoreInvalid: boolean, pick: (points: PythPricePoint[]) => PythPricePoint | undefined) => {
    const chosen: PythPricePoint[] = [];
    for (const id of ids) {
      const points = history.get(feedKey(id));
      if (!points) {
        if (ignoreInvalid) continue;
        throw new NotFound(`Price ids not found: ${id}`);
      }
      const point = pick(points);
      if (!point) throw new NotFound(`No price update found for ${id} at the requested time`);
      chosen.push(point);
    }
    return chosen;
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    answered += 1;
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const ids = url.searchParams.getAll("ids[]");
    const ignoreInvalid = url.searchParams.get("ignore_invalid_price_ids") === "true";
    const encoding = url.searchParams.get("encoding") ?? "hex";
    const parsed = url.searchParams.get("parsed") !== "false"; // Hermes v2 includes parsed prices by default
    const route = /^\/v2\/updates\/price\/(latest|\d+)$/.exec(url.pathname);
    try {
      if (req.method !== "GET" || !route) throw new NotFound(`No route ${req.method} ${url.pathname}`);
      if (ids.length === 0) throw new BadRequest("ids[] is required");
      if (encoding !== "hex" && encoding !== "base64") throw new BadRequest(`Unknown encoding ${encoding}`);
      const at = route[1] === "latest" ? undefined : Number(route[1]);
      // At a timestamp: the first update published at or after it, as orders need.
      const points = select(ids, ignoreInvalid, (all) => (at === undefined ? all.at(-1) : all.find((p) => p.publishTime >= at)));
      const data = points.map((p) => {
        const bytes = Buffer.from(encodeMockPythUpdate(p).slice(2), "hex");
        return encoding === "hex" ? bytes.toString("hex") : bytes.toString("base64");
      });
      const body = { binary: { encoding, data }, ...(parsed ? { parsed: points.map(parsedUpdate) } : {}) };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    } catch (error) {
      const status = error instanceof NotFound ? 404 : error instanceof BadRequest ? 400 : 500;
      res.writeHead(status, { "content-type": "text/plain" }).end((error as Error).message);
    }
  };

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    publish,
    requests: () => answered,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // fetch keeps connections alive; without this close() waits for them to time out.
        server.closeAllConnections();
      }),
  };
}

/** Hermes' parsed entry: decimal strings for price and conf, snake_case fields. */
function parsedUpdate(p: PythPricePoint) {
  const price = { price: p.price.toString(), conf: p.conf.toString(), expo: p.expo, publish_time: p.publishTime };
  return {
    id: feedKey(p.id),
    price,
    ema_price: price,
    metadata: { slot: p.publishTime, proof_available_time: p.publishTime, prev_publish_time: p.prevPublishTime },
  };
}
