import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { launchChromium as launchBrowser } from "../support/chromium.ts";
import { repoRoot } from "../support/pier-process.ts";

export { chromiumAvailable, chromiumPath, watchPage } from "../support/chromium.ts";
export const screenshotDir = join(repoRoot, "test-output", "dashboard");

export function launchChromium(): Promise<Browser> {
  mkdirSync(screenshotDir, { recursive: true });
  return launchBrowser();
}
