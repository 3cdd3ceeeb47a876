import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { repoRoot, requireTool } from "../support/pier-process.ts";

/** Debian's Chromium (`apt-get install -y chromium`); playwright-core drives it, no bundled browser. */
export const chromiumPath = process.env.PIER_CHROMIUM ?? "/usr/bin/chromium";
export const screenshotDir = join(repoRoot, "test-output", "dashboard");

/** Outside CI a missing Chromium skips the browser suites; in CI it fails them (requireTool). */
export function chromiumAvailable(): boolean {
  return requireTool(existsSync(chromiumPath), `Chromium at ${chromiumPath}`);
}

export function launchChromium(): Promise<Browser> {
  mkdirSync(screenshotDir, { recursive: true });
  // Playwright gives every launch a fresh temporary user-data-dir; the flags keep Chromium from
  // phoning home (updates, sync, safe-browsing lists): tests only talk to 127.0.0.1.
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
    ],
  });
}
