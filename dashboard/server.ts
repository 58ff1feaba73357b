// Serves the dashboard: Vite builds the page (plain TypeScript and the SDK) once per start into a
// temporary folder and its preview server serves it on 127.0.0.1, with /config.json (the address
// book and RPC URL the page reads at load) and /rpc, a proxy to the node, so the page reaches any
// node from its own origin whether or not the node answers CORS.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, createLogger, preview, type Logger, type Plugin } from "vite";
import type { AddressBook } from "../scripts/lib/addressBook.ts";
import type { DashboardConfig } from "./src/chain.ts";

const ROOT = dirname(fileURLToPath(import.meta.url));
const RPC_PATH = "/rpc";

export interface DashboardOptions {
  rpcUrl: string;
  addressBook: AddressBook;
  /** 0 or omitted: a free port. */
  port?: number;
  host?: "127.0.0.1";
}

/** Answers /config.json with what the page needs to connect. */
function configPlugin(config: DashboardConfig): Plugin {
  const body = JSON.stringify(config);
  return {
    name: "dashboard-config",
    configurePreviewServer(server) {
      server.middlewares.use("/config.json", (_request, response) => {
        response.setHeader("content-type", "application/json");
        response.setHeader("cache-control", "no-store");
        response.end(body);
      });
    },
  };
}

/**
 * Vite's logger, except that a node which stops answering is said once, in one line: the proxy
 * would print a stack trace for every block poll, and the page already shows the banner.
 */
function dashboardLogger(rpcUrl: string): Logger {
  const logger = createLogger("warn");
  let toldUnreachable = false;
  return {
    ...logger,
    error(message, options) {
      if (!message.includes("http proxy error")) return logger.error(message, options);
      if (toldUnreachable) return;
      toldUnreachable = true;
      const reason = options?.error?.message ?? "no answer";
      logger.warn(`dashboard: the node at ${rpcUrl} does not answer (${reason}); the page shows a banner until it does`);
    },
  };
}

export async function startDashboard(options: DashboardOptions): Promise<{ url: string; close(): Promise<void> }> {
  const rpc = new URL(options.rpcUrl);
  if (rpc.protocol !== "http:" && rpc.protocol !== "https:") throw new Error(`--rpc must be an http(s) URL, got ${options.rpcUrl}`);
  const host = options.host ?? "127.0.0.1";
  const outDir = await mkdtemp(join(tmpdir(), "ranked-adl-dashboard-"));
  const shared = {
    root: ROOT,
    configFile: false as const,
    logLevel: "warn" as const,
    customLogger: dashboardLogger(options.rpcUrl),
    build: { outDir, emptyOutDir: true },
  };
  try {
    await build({ ...shared, build: { ...shared.build, chunkSizeWarningLimit: 2_000 } });
    const config: DashboardConfig = { rpcPath: RPC_PATH, rpcUrl: options.rpcUrl, addressBook: options.addressBook };
    const server = await preview({
      ...shared,
      plugins: [configPlugin(config)],
      preview: {
        host,
        port: options.port ?? 0,
        strictPort: true,
        open: false,
        proxy: { [RPC_PATH]: { target: rpc.origin, changeOrigin: true, rewrite: () => `${rpc.pathname}${rpc.search}` } },
      },
    });
    const address = server.httpServer.address();
    if (address === null || typeof address === "string") throw new Error("the dashboard server did not bind a TCP port");
    return {
      url: `http://${host}:${address.port}/`,
      async close() {
        await server.close();
        await rm(outDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(outDir, { recursive: true, force: true });
    throw error;
  }
}
