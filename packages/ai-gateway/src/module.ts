import { once } from "@pier/core";
import { hasRows } from "@pier/db";
import { lazyRoute } from "@pier/http";
import type { PierModule } from "@pier/platform";
import { pgMigrations, sqliteMigrations } from "./migrations.gen.ts";

/**
 * The AI gateway in `pier serve`: the OpenAI (chat, Responses) and Anthropic (Messages) endpoints at
 * `/ai/v1` on the console and at `/_pier/ai/v1` on every app host (the proxy forwards `/_pier/*`
 * here), operator API at `/api/v1/ai`.
 * The gateway loads on the first request to one of those, or when a deploy needs its env vars
 * (the `aiGateway` capability).
 */
export const aiGatewayModule: PierModule = {
  name: "ai-gateway",
  async start(ctx) {
    await ctx.database.migrate({ sqlite: sqliteMigrations, pg: pgMigrations });
    const load = once(async () => (await import("./start.ts")).startAiGateway(ctx));
    lazyRoute(ctx.console, "/ai/v1", async () => (await load()).openAi);
    lazyRoute(ctx.console, "/_pier/ai/v1", async () => (await load()).openAi);
    lazyRoute(ctx.console, "/api/v1/ai", async () => (await load()).admin);
    const withdraw = ctx.provide("aiGateway", {
      /**
       * A per-app key, created on the first deploy and reused after. `baseUrl` is how the app's
       * containers reach pier, e.g. `https://<app host>/_pier/ai/v1`.
       */
      async envFor(appName, options): Promise<Record<string, string>> {
        // No provider configured: nothing to call, and no reason to load the gateway for it.
        if (!load.started() && !(await hasRows(ctx.database, "ai_providers"))) return {};
        const { gateway } = await load();
        if (gateway.catalog.providers.size === 0) return {};
        const app = await ctx.stores.apps.findByName(appName);
        if (!app) return {};
        return {
          OPENAI_BASE_URL: options.baseUrl ?? `${ctx.consoleUrl}/ai/v1`,
          OPENAI_API_KEY: await gateway.catalog.deployKey(app.id, app.name),
        };
      },
    });
    // With ClickHouse configured for usage rows, an unreachable server stops the start.
    if (ctx.config.clickhouseUrl) await load();
    return {
      async stop() {
        withdraw();
        await (await load.started())?.stop();
      },
    };
  },
};
