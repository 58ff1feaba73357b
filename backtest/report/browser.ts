// Opens a report in Debian's headless Chromium (never a browser Playwright downloads): used by the
// report test and to refresh the README's screenshot:
//   node backtest/report/browser.ts backtest-out/skewed-gap-1/report.html docs/backtest-charts.png
import { pathToFileURL } from "node:url";
import { type Browser, type Page, chromium } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
  });
}

/** Loads report.html and waits until its charts have rendered; `watch` sees the page before it loads. */
export async function openReport(browser: Browser, htmlPath: string, height = 1000, watch?: (page: Page) => void): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height } });
  watch?.(page);
  await page.goto(pathToFileURL(htmlPath).href);
  await page.waitForFunction(() => (window as unknown as { backtestReady?: boolean }).backtestReady === true, undefined, {
    timeout: 20_000,
  });
  return page;
}

if (import.meta.main) {
  const [html, png, height] = process.argv.slice(2);
  if (!html || !png) throw new Error("usage: node backtest/report/browser.ts <report.html> <out.png> [height]");
  const browser = await launchChromium();
  try {
    const page = await openReport(browser, html, Number(height ?? 1500));
    await page.screenshot({ path: png });
  } finally {
    await browser.close();
  }
}
