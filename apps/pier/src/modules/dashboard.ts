import { once } from "../platform/lazy.ts";
import type { PierModule } from "../platform/module.ts";
import { settingsApi } from "./dashboard/settings-api.ts";

/** Paths that are never the dashboard's: no reason to load its assets for them. */
const notDashboard = /^\/(api|_pier|git|ai|status)\/|^\/healthz$/;

/**
 * The browser dashboard on the console port (`/`, `/apps/...`, hashed assets) and the settings it
 * edits. Its assets (read and gzipped once) load on the first page request.
 */
export const dashboardModule: PierModule = {
  name: "dashboard",
  async start({ console, apiDeps, config, tls, addRawHandler, logger }) {
    const assets = once(async () => {
      const startedAt = performance.now();
      const { loadDashboardAssets, serveDashboard } = await import("@pier/dashboard");
      const loaded = await loadDashboardAssets();
      logger.debug("dashboard ready", {
        assets: loaded.byPath.size + 1,
        ms: Math.round(performance.now() - startedAt),
      });
      return (request: Request) => serveDashboard(loaded, request);
    });
    // Before Hono: page and asset requests skip the API middleware (request log, auth) entirely.
    addRawHandler((request) => {
      if (request.method !== "GET" && request.method !== "HEAD") return null;
      if (notDashboard.test(new URL(request.url).pathname)) return null;
      return assets().then((serve) => serve(request));
    });
    console.route(
      "/api/v1/settings",
      settingsApi(apiDeps, {
        baseDomain: config.baseDomain,
        acmeEmail: process.env.PIER_ACME_EMAIL || null,
        acmeEnabled: tls.acmeEnabled,
      }),
    );
    return {};
  },
};
