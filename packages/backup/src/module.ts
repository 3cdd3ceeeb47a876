import { once, pierVersion } from "@pier/core";
import { lazyRoute } from "@pier/http";
import type { PierModule } from "@pier/platform";
import { backupMigrations } from "./migrations.ts";

/**
 * Backups in `pier serve`: the /api/v1/backups routes and the schedule. The implementation loads
 * on the first request to the API, or at start when a schedule is set: a pier that never backs
 * up from the server does not pay for it.
 */
export const backupModule: PierModule = {
  name: "backup",
  async start(ctx) {
    await ctx.database.migrate(backupMigrations);
    const load = once(async () => (await import("./start.ts")).startBackups(ctx, pierVersion));
    lazyRoute(ctx.console, "/api/v1/backups", async () => (await load()).routes);
    const settings = (await ctx.stores.settings.get<{ schedule?: string }>("backup")) ?? {};
    if (settings.schedule && settings.schedule !== "off") await load();
    return {
      async stop() {
        await (await load.started())?.stop();
      },
    };
  },
};
