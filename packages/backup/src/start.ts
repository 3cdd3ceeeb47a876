import { type ApiEnv, routeGroup } from "@pier/http";
import type { PierContext } from "@pier/platform";
import type { Hono } from "hono";
import { backupsRoutes } from "./http/backup-routes.ts";
import { BackupScheduler } from "./scheduler.ts";
import { BackupService } from "./service.ts";

export interface RunningBackups {
  service: BackupService;
  routes: Hono<ApiEnv>;
  stop(): Promise<void>;
}

/** The backup service, its API and the scheduler; started on first use (see module.ts). */
export async function startBackups(ctx: PierContext, version: string): Promise<RunningBackups> {
  const logger = ctx.logger.child({ component: "backup" });
  const service = new BackupService({
    database: ctx.database,
    stores: ctx.stores,
    dataDir: ctx.config.dataDir,
    databaseUrl: ctx.config.databaseUrl,
    clickhouse: Boolean(ctx.config.clickhouseUrl),
    version,
    logger,
    notify: async (event) => ctx.capabilities.notify?.notify(event),
  });
  await service.sweepStale();
  const scheduler = new BackupScheduler(service, logger);
  scheduler.start();
  const group = routeGroup("/api/v1/backups", ctx.authenticate);
  backupsRoutes(group, service, () => void scheduler.tick());
  return {
    service,
    routes: group.app,
    async stop() {
      await scheduler.stop();
    },
  };
}
