import { pgMigrations, sqliteMigrations } from "@pier/ai-gateway";
import { hasRows, lazyRoute, type Once, once } from "../platform/lazy.ts";
import type { PierContext, PierModule } from "../platform/module.ts";
import type { RunningAiGateway } from "./ai-gateway/start.ts";

let running:
  | {
      load: Once<RunningAiGateway>;
      consoleUrl: string;
      database: PierContext["database"];
      apps: PierContext["stores"]["apps"];
    }
  | undefined;

/**
 * The AI gateway in `pier serve`: OpenAI-compatible endpoints at `/ai/v1` on the console and at
 * `/_pier/ai/v1` on every app host (the proxy forwards `/_pier/*` here), operator API at `/api/v1/ai`.
 * The gateway loads on the first request to one of those, or when a deploy needs its env vars.
 */
export const aiGatewayModule: PierModule = {
  name: "ai-gateway",
  async start(ctx) {
    await ctx.database.migrate({ sqlite: sqliteMigrations, pg: pgMigrations });
    const load = once(async () => (await import("./ai-gateway/start.ts")).startAiGateway(ctx));
    lazyRoute(ctx.console, "/ai/v1", async () => (await load()).openAi);
    lazyRoute(ctx.console, "/_pier/ai/v1", async () => (await load()).openAi);
    lazyRoute(ctx.console, "/api/v1/ai", async () => (await load()).admin);
    running = { load, consoleUrl: ctx.consoleUrl, database: ctx.database, apps: ctx.stores.apps };
    // An unreachable ClickHouse for usage rows stops the start, as it always did.
    if (ctx.config.clickhouseUrl) await load();
    return {
      async stop() {
        running = undefined;
        await (await load.started())?.stop();
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
  if (!running) return {};
  // No provider configured: nothing to call, and no reason to load the gateway for it.
  if (!running.load.started() && !(await hasRows(running.database, "ai_providers"))) return {};
  const { gateway } = await running.load();
  if (gateway.catalog.providers.size === 0) return {};
  const app = await running.apps.findByName(appName);
  if (!app) return {};
  return {
    OPENAI_BASE_URL: options.baseUrl ?? `${running.consoleUrl}/ai/v1`,
    OPENAI_API_KEY: await gateway.catalog.deployKey(app.id, app.name),
  };
}
