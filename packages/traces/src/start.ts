import type { ApiEnv } from "@pier/http";
import type { IngestGrant, PierContext } from "@pier/platform";
import type { Hono } from "hono";
import { tracesApi } from "./http/api-routes.ts";
import { createTracesService, type TracesService } from "./service.ts";

export interface RunningTraces {
  service: TracesService;
  api: Hono<ApiEnv>;
}

/** Traces' store, ingest and API, started on first use (see module.ts). */
export async function startTraces(ctx: PierContext): Promise<RunningTraces> {
  const log = ctx.logger.child({ component: "traces" });
  const service = await createTracesService({
    dataDir: ctx.config.dataDir,
    clickhouseUrl: ctx.config.clickhouseUrl,
    logger: log,
    retentionDays: ctx.config.tracesRetentionDays,
    // Keys are the error-tracking projects' public keys: one secret per app for every SDK.
    authorize: async (key): Promise<IngestGrant> =>
      (await ctx.capabilities.errors?.authorizeIngest?.(key, "traces")) ?? {
        ok: false,
        reason: "invalid_key",
      },
  });
  log.info("traces ready", { store: service.store.kind, retentionDays: service.retentionDays });
  return { service, api: tracesApi(ctx, service.store, { beforeRead: service.flushLinks }) };
}
