import { loadDashboardAssets, serveDashboard } from "@pier/dashboard";
import type { PierModule } from "../platform/module.ts";
import { settingsApi } from "./dashboard/settings-api.ts";

/** The browser dashboard on the console port (`/`, `/apps/...`, hashed assets) and the settings it edits. */
export const dashboardModule: PierModule = {
  name: "dashboard",
  async start({ console, apiDeps, config, tls, addRawHandler, logger }) {
    const startedAt = performance.now();
    const assets = await loadDashboardAssets();
    // Before Hono: page and asset requests skip the API middleware (request log, auth) entirely.
    addRawHandler((request) => serveDashboard(assets, request));
    console.route(
      "/api/v1/settings",
      settingsApi(apiDeps, {
        baseDomain: config.baseDomain,
        acmeEmail: process.env.PIER_ACME_EMAIL || null,
        acmeEnabled: tls.acmeEnabled,
      }),
    );
    logger.debug("dashboard ready", {
      assets: assets.byPath.size + 1,
      ms: Math.round(performance.now() - startedAt),
    });
    return {};
  },
};
