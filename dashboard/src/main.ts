// The dashboard page: connects to the node through the server's proxy, builds the panels and
// starts the block-driven refresh. Sets body data-block after each full render (tests wait on it).
import { connect, isUnreachable, loadConfig } from "./chain.ts";
import { byId, h, render } from "./dom.ts";
import { describeError } from "./errors.ts";
import { eventsFeed } from "./eventsFeed.ts";
import { marketPanel } from "./marketPanel.ts";
import { positionLookup } from "./positionLookup.ts";
import { queuePanel } from "./queuePanel.ts";
import { startRefreshLoop, type RefreshStatus } from "./refreshLoop.ts";
import { traderPanel } from "./traderPanel.ts";

const banner = byId("banner");
const status = byId("status");

function showStatus(rpcUrl: string, s: RefreshStatus) {
  banner.hidden = s.unreachable === null;
  if (s.unreachable !== null)
    render(banner, `RPC unreachable (${rpcUrl}): ${s.unreachable}. Retrying every block poll; the numbers below may be stale.`);
  if (s.block !== null) {
    render(status, `Block ${s.block} · refreshed in ${Math.round(s.refreshMs)} ms at ${new Date().toLocaleTimeString()}`);
    document.body.dataset.block = s.block.toString();
  }
}

async function start() {
  const config = await loadConfig();
  byId("rpc").textContent = config.rpcUrl;
  let chain;
  try {
    chain = await connect(config);
  } catch (error) {
    banner.hidden = false;
    // A node that answers but is not the book's chain is a wrong deployment, not an outage.
    const why = isUnreachable(error) ? `RPC unreachable (${config.rpcUrl})` : `Cannot show this deployment on ${config.rpcUrl}`;
    render(banner, `${why}: ${describeError(error)}. Reload once that is fixed.`);
    return;
  }
  let loop: { refreshNow(): Promise<void> } | undefined;
  const refreshNow = () => loop?.refreshNow() ?? Promise.resolve();
  const panels = [
    marketPanel(chain, byId("markets")),
    queuePanel(chain, byId("queues")),
    positionLookup(chain, byId("lookup-result"), refreshNow),
    traderPanel(chain, refreshNow),
    eventsFeed(chain, byId("events")),
  ];
  loop = startRefreshLoop(
    () => chain.client.getBlockNumber(),
    panels,
    (s) => showStatus(config.rpcUrl, s),
  );
}

start().catch((error: unknown) => {
  banner.hidden = false;
  render(banner, h("span", {}, `Dashboard failed to start: ${describeError(error)}`));
});
