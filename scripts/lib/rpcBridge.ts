// Serves an in-process chain's EIP-1193 provider as an HTTP JSON-RPC endpoint on 127.0.0.1, so a
// browser (the dashboard) or any viem/ethers client can watch the demo's chain while it runs.
import { type IncomingMessage, createServer } from "node:http";
import type { AddressInfo } from "node:net";

interface Eip1193 {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}
interface JsonRpcCall {
  id?: number | string | null;
  method: string;
  params?: unknown[];
}

/** A request body larger than this is refused: JSON-RPC calls are small, a flood is not. */
const MAX_BODY_BYTES = 5_000_000;

async function readBody(request: IncomingMessage): Promise<string> {
  let body = "";
  for await (const chunk of request) {
    body += chunk;
    if (body.length > MAX_BODY_BYTES) throw new Error(`request body over ${MAX_BODY_BYTES} bytes`);
  }
  return body;
}

async function answer(provider: Eip1193, call: JsonRpcCall) {
  try {
    return { jsonrpc: "2.0", id: call.id ?? null, result: await provider.request({ method: call.method, params: call.params ?? [] }) };
  } catch (error) {
    // Reverts keep their data, so a client decodes the custom error exactly as from a real node.
    const { code, message, data } = error as { code?: number; message?: string; data?: unknown };
    return { jsonrpc: "2.0", id: call.id ?? null, error: { code: code ?? -32603, message: message ?? String(error), data } };
  }
}

/** Serves `provider` over HTTP (single and batched calls, CORS open for a local page); bound to 127.0.0.1. */
export async function serveRpc(provider: unknown, port = 0): Promise<{ url: string; close(): Promise<void> }> {
  const chain = provider as Eip1193;
  const server = createServer(async (request, response) => {
    response.setHeader("Access-Control-Allow-Origin", "*");
    response.setHeader("Access-Control-Allow-Headers", "content-type");
    if (request.method === "OPTIONS") return void response.writeHead(204).end();
    if (request.method !== "POST") return void response.writeHead(405).end("JSON-RPC over POST only");
    let payload: JsonRpcCall | JsonRpcCall[];
    try {
      payload = JSON.parse(await readBody(request));
    } catch (error) {
      const parseError = { jsonrpc: "2.0", id: null, error: { code: -32700, message: `parse error: ${(error as Error).message}` } };
      return void response.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify(parseError));
    }
    const result = Array.isArray(payload) ? await Promise.all(payload.map((call) => answer(chain, call))) : await answer(chain, payload);
    // JSON has no bigint; the provider answers in hex strings, but error data may carry one.
    const json = JSON.stringify(result, (_, value) => (typeof value === "bigint" ? `0x${value.toString(16)}` : value));
    response.writeHead(200, { "content-type": "application/json" }).end(json);
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, "127.0.0.1", resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
