import type { ApiEnv } from "@pier/http";
import type { PierContext } from "@pier/platform";
import type { Hono } from "hono";
import { AiGateway } from "./gateway.ts";
import { adminRoutes } from "./http/admin-routes.ts";
import { openAiRoutes } from "./http/openai-routes.ts";
import { createAiStore } from "./store.ts";
import { createClickHouseUsageLog } from "./usage-log-clickhouse.ts";

export interface RunningAiGateway {
  gateway: AiGateway;
  openAi: Hono<ApiEnv>;
  admin: Hono<ApiEnv>;
  stop(): Promise<void>;
}

/** The gateway, its OpenAI-compatible and operator routes, started on first use (see module.ts). */
export async function startAiGateway(ctx: PierContext): Promise<RunningAiGateway> {
  const logger = ctx.logger.child({ component: "ai-gateway" });
  // With ClickHouse configured the per-request usage rows go there; keys and providers stay in SQL.
  const usage = ctx.config.clickhouseUrl
    ? await createClickHouseUsageLog({
        url: ctx.config.clickhouseUrl,
        onError: (error) => logger.warn("AI usage batch not written to ClickHouse", { error }),
      })
    : undefined;
  const store = createAiStore(ctx.database, { usage });
  // Provider base URLs are typed in by users: calls to them go through the egress policy.
  const gateway = await AiGateway.create({
    store,
    secretBox: ctx.secretBox,
    logger,
    fetch: ctx.egress.fetch,
  });
  // Conversations past their 30 days are never read again (store.ts); this keeps the table small.
  const prune = () =>
    store.conversations.prune().catch((error) => logger.warn("old AI conversations not pruned", { error }));
  void prune();
  const pruning = setInterval(prune, 24 * 3600_000);
  pruning.unref();
  return {
    gateway,
    openAi: openAiRoutes(gateway, ctx.originOf) as unknown as Hono<ApiEnv>,
    admin: adminRoutes(gateway, ctx.authenticate, ctx.stores.apps),
    async stop() {
      // Usage rows still being written belong to requests that were answered.
      clearInterval(pruning);
      await gateway.idle();
      await store.usage.close();
    },
  };
}
