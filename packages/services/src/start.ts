import { createDockerClient } from "@pier/deploy";
import { type ApiEnv, routeGroup } from "@pier/http";
import type { PierContext } from "@pier/platform";
import type Docker from "dockerode";
import type { Hono } from "hono";
import { BackupStorage } from "./backup/storage.ts";
import { removeHelpers } from "./backup/volumes.ts";
import { ServiceBackups } from "./backups.ts";
import { ServicesContext } from "./context.ts";
import { HealthWatch } from "./health-watch.ts";
import { servicesRoutes, volumesRoutes } from "./http/routes.ts";
import { ServiceLinks } from "./linking.ts";
import { BackupScheduler } from "./scheduler.ts";
import { ServiceManager } from "./services.ts";
import { servicesSettingsFromEnv } from "./settings.ts";
import { createServicesStore } from "./store.ts";
import { AppVolumes } from "./volumes.ts";

export interface RunningServices {
  routes: { services: Hono<ApiEnv>; volumes: Hono<ApiEnv> };
  links: ServiceLinks;
  stop(): Promise<void>;
}

/** Everything the services subsystem runs, started on first use (see module.ts). Migrations have run. */
export async function startServices(ctx: PierContext): Promise<RunningServices> {
  const logger = ctx.logger.child({ component: "services" });
  const settings = servicesSettingsFromEnv();
  let dockerClient: Docker | undefined;
  const store = createServicesStore(ctx.database);
  const context = new ServicesContext({
    store,
    stores: ctx.stores,
    secretBox: ctx.secretBox,
    docker: () => {
      dockerClient ??= createDockerClient();
      return dockerClient;
    },
    settings,
    dataDir: ctx.config.dataDir,
    logger,
    capabilities: ctx.capabilities,
    storage: new BackupStorage(settings),
  });
  await store.services.recordCreator(context.unrecordedCreator());
  const manager = new ServiceManager(context);
  const links = new ServiceLinks(context);
  const backups = new ServiceBackups(context);
  const volumes = new AppVolumes(context, backups);

  // Repairs after a stop (backups it cut off, helper containers it left) would break the work of a
  // pier that still runs: they wait for the primary role (docs/architecture.md, Upgrades), once.
  let repaired = false;
  const repair = async () => {
    repaired = true;
    const interrupted = await store.backups.failInterrupted();
    if (interrupted)
      logger.warn("backups interrupted by the last stop marked failed", { count: interrupted });
    await removeHelpers(context.docker, context.instance).catch(() => 0);
  };
  if (ctx.primary.held()) await repair();

  const scheduler = new BackupScheduler(context, backups);
  const watch = new HealthWatch(context, Number(process.env.PIER_SERVICE_WATCH_INTERVAL_MS) || 5_000);
  const sweep = () =>
    links.sweepPreviews().catch((error) => logger.warn("preview databases not swept", { error }));
  // Scheduled backups, health notifications and the preview sweep: one pier runs them.
  const stopPrimaryWork = ctx.primary.run("services", () => {
    if (!repaired) void repair().catch((error) => logger.warn("services not repaired", { error }));
    scheduler.start();
    watch.start();
    void sweep();
    const sweepTimer = setInterval(sweep, 10 * 60_000);
    sweepTimer.unref();
    return async () => {
      clearInterval(sweepTimer);
      watch.stop();
      await scheduler.stop();
    };
  });

  const api = { ctx: context, manager, links, backups, volumes };
  const group = (prefix: string, serve: typeof servicesRoutes) => {
    const built = routeGroup(prefix, ctx.authenticate);
    serve(built, api);
    return built.app;
  };
  return {
    routes: {
      services: group("/api/v1/services", servicesRoutes),
      volumes: group("/api/v1/volumes", volumesRoutes),
    },
    links,
    async stop() {
      await stopPrimaryWork();
    },
  };
}
