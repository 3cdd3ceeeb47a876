import { once } from "@pier/core";
import type { PierModule } from "@pier/platform";

/** Paths that are never the dashboard's: no reason to load its assets for them. */
const notDashboard = /^\/(api|_pier|git|ai|status)\/|^\/healthz$/;

/**
 * The browser dashboard on the console port (`/`, `/apps/...`, hashed assets). Its assets (read
 * and gzipped once) load on the first page request.
 */
export const dashboardModule: PierModule = {
  name: "dashboard",
  async start({ addRawHandler, logger }) {
    const assets = once(async () => {
      const startedAt = performance.now();
      const { loadDashboardAssets, serveDashboard } = await import("./assets.ts");
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
    return {};
  },
};
