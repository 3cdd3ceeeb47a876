import { once } from "@pier/core";
import { hasRows } from "@pier/db";
import { lazyRoute } from "@pier/http";
import type { PierModule } from "@pier/platform";
import { servicesMigrations } from "./migrations.ts";

/**
 * Managed services in `pier serve`: PostgreSQL, MySQL, MariaDB and Redis containers with their
 * volumes, links to apps, health watch and backups. Loads on the first request to its API, when
 * the deploy engine asks for an app's links, or at start when services exist (their health is
 * watched and their backups scheduled). Provides the `services` capability to the deploy engine.
 */
export const servicesModule: PierModule = {
  name: "services",
  async start(ctx) {
    await ctx.database.migrate(servicesMigrations);
    const load = once(async () => (await import("./start.ts")).startServices(ctx));
    const hasLinks = () => hasRows(ctx.database, "service_links");

    lazyRoute(ctx.console, "/api/v1/services", async () => (await load()).routes.services);
    lazyRoute(ctx.console, "/api/v1/volumes", async () => (await load()).routes.volumes);

    const withdraw = ctx.provide("services", {
      async envFor(app, environment, options) {
        // Without a link there is nothing to add: no reason to load the subsystem for it.
        if (!load.started() && !(await hasLinks())) return {};
        return (await load()).links.envFor(app.id, environment, options.previewDatabase);
      },
      async networksFor(app) {
        if (!load.started() && !(await hasLinks())) return [];
        return (await load()).links.networksFor(app.id);
      },
      async environmentRemoved(app, environment) {
        if (!load.started() && !(await hasLinks())) return;
        await (await load()).links.environmentRemoved(app.id, environment);
      },
      async appRemoved(app) {
        if (!load.started() && !(await hasLinks())) return;
        await (await load()).links.appRemoved(app.id, app.name);
      },
    });

    if (await hasRows(ctx.database, "services")) await load();
    return {
      async stop() {
        withdraw();
        await (await load.started())?.stop();
      },
    };
  },
};
