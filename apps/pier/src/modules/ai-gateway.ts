import {
  AiGateway,
  adminRoutes,
  createAiStore,
  createClickHouseUsageLog,
  openAiRoutes,
  pgMigrations,
  sqliteMigrations,
} from "@pier/ai-gateway";
import type { PierContext, PierModule } from "../platform/module.ts";

let running: { gateway: AiGateway; consoleUrl: string; apps: PierContext["stores"]["apps"] } | undefined;

/**
 * The AI gateway in `pier serve`: OpenAI-compatible endpoints at `/ai/v1` on the console and at
 * `/_pier/ai/v1` on every app host (the proxy forwards `/_pier/*` here), operator API at `/api/v1/ai`.
 */
export const aiGatewayModule: PierModule = {
  name: "ai-gateway",
  async start(ctx) {
    await ctx.database.migrate({ sqlite: sqliteMigrations, pg: pgMigrations });
    const logger = ctx.logger.child({ component: "ai-gateway" });
    // With ClickHouse configured the per-request usage rows go there; keys and providers stay in SQL.
    const usage = ctx.config.clickhouseUrl
      ? await createClickHouseUsageLog({
          url: ctx.config.clickhouseUrl,
          onError: (error) => logger.warn("AI usage batch not written to ClickHouse", { error }),
        })
      : undefined;
    const store = createAiStore(ctx.database, { usage });
    const gateway = await AiGateway.create({ store, secretBox: ctx.secretBox, logger });
    const openAi = openAiRoutes(gateway);
    ctx.console.route("/ai/v1", openAi);
    ctx.console.route("/_pier/ai/v1", openAi);
    ctx.console.route("/api/v1/ai", adminRoutes(gateway, ctx.authenticate, ctx.stores.apps));
    running = { gateway, consoleUrl: ctx.consoleUrl, apps: ctx.stores.apps };
    return {
      async stop() {
        running = undefined;
        // Usage rows still being written belong to requests that were answered.
        await gateway.idle();
        await store.usage.close();
      },
    };
  },
};

/**
 * Env vars a deployment of `appName` gets so the OpenAI SDKs talk to pier: a per-app key, created
 * on the first deploy and reused after. Empty when no provider is configured (nothing to call) or
 * the gateway is not running. `baseUrl` is how the app's containers reach pier, e.g.
 * `http://host.docker.internal:7070/ai/v1` or `https://<app host>/_pier/ai/v1`.
 */
export async function envForApp(
  appName: string,
  options: { baseUrl?: string } = {},
): Promise<Record<string, string>> {
  if (!running || running.gateway.catalog.providers.size === 0) return {};
  const app = await running.apps.findByName(appName);
  if (!app) return {};
  return {
    OPENAI_BASE_URL: options.baseUrl ?? `${running.consoleUrl}/ai/v1`,
    OPENAI_API_KEY: await running.gateway.catalog.deployKey(app.id, app.name),
  };
}
