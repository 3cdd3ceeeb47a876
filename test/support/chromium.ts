import { existsSync } from "node:fs";
import { requireService } from "@pier/testkit";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

/** Debian's Chromium (`apt-get install -y chromium`); playwright-core drives it, no bundled browser. */
export const chromiumPath = process.env.PIER_CHROMIUM ?? "/usr/bin/chromium";

/** Outside CI a missing Chromium skips the browser suites; in CI it fails them (requireService). */
export function chromiumAvailable(): boolean {
  return requireService(
    "Chromium",
    existsSync(chromiumPath) ? null : `${chromiumPath} does not exist`,
    "Install it with `apt-get install -y chromium`, or point PIER_CHROMIUM at a Chromium binary.",
  );
}

/**
 * Headless Chromium for the browser suites. Playwright gives every launch a fresh temporary
 * user-data-dir; the flags keep Chromium from phoning home (updates, sync, safe-browsing lists),
 * so tests only talk to 127.0.0.1. `extraArgs` add e.g. --host-resolver-rules or --user-agent.
 */
export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
      "--disable-dev-shm-usage",
      ...extraArgs,
    ],
  });
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => retryingPages(await newContext(options));
  const newPage = browser.newPage.bind(browser);
  browser.newPage = async (options) => retryNavigations(await newPage(options));
  return browser;
}

/**
 * Chromium cuts its requests short with net::ERR_NETWORK_CHANGED when a network interface comes
 * or goes on the machine, loopback requests included, and the suites run beside others that make
 * Docker create containers' veths and networks' bridges. `run` is made again (three tries) when it
 * met that: a navigation fails naming it, a page's fetch() as "Failed to fetch". Only for what is
 * safe to repeat; any other failure fails at once. The dashboard repeats its own GETs likewise.
 */
export async function retryOnNetworkChange<T>(what: string, run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      const text = String(error);
      const changed = text.includes("ERR_NETWORK_CHANGED") || text.includes("Failed to fetch");
      if (attempt >= 3 || !changed) throw error;
      console.error(`[browser] ${what}: the network changed under Chromium; trying again`);
      await Bun.sleep(250);
    }
  }
}

/** Navigations are made again when the network changed under Chromium (retryOnNetworkChange). */
function retryNavigations(page: Page): Page {
  const goto = page.goto.bind(page);
  page.goto = (url, options) => retryOnNetworkChange(url, () => goto(url, options));
  return page;
}

function retryingPages(context: BrowserContext): BrowserContext {
  const newPage = context.newPage.bind(context);
  context.newPage = async () => retryNavigations(await newPage());
  return context;
}

/**
 * Timeouts and diagnostics for a dashboard page: waits give up after 10 s, and script errors and
 * failed requests are echoed, so a failed wait says more than "not visible".
 */
export function watchPage(page: Page): Page {
  page.setDefaultTimeout(10_000);
  page.on("pageerror", (error) => console.error(`[browser] ${error.message}`));
  page.on("requestfailed", (request) => {
    // Requests a navigation cuts off (an open event stream, say) are not failures.
    if (request.failure()?.errorText === "net::ERR_ABORTED") return;
    console.error(`[browser] ${request.method()} ${request.url()} failed: ${request.failure()?.errorText}`);
  });
  return page;
}
