import { existsSync } from "node:fs";
import { requireService } from "@pier/testkit";
import { type Browser, chromium, type Page } from "playwright-core";

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
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
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
