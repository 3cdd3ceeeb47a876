import { NotFoundError, ValidationError } from "@pier/core";
import { type ApiEnv, routeGroup, serveRoute } from "@pier/http";
import type { RouteDef } from "@pier/http/contract";
import type { Hono, MiddlewareHandler } from "hono";
import type { AiGateway } from "../gateway.ts";
import { builtinPrices } from "../prices.ts";
import { summarizeSpend } from "../spend-report.ts";
import type { KeyRow } from "../store.ts";
import { aiRoutes as routes } from "./contract.ts";

export interface AppDirectory {
  findByName(name: string): Promise<{ id: string; name: string } | undefined>;
  list(): Promise<{ id: string; name: string }[]>;
}

const intervalMs = { hour: 3_600_000, day: 86_400_000 } as const;
const maxBuckets = 24 * 93;

function presentKey(row: KeyRow, appNames: Map<string, string>) {
  return {
    id: row.id,
    name: row.name,
    hint: row.hint,
    app: row.appId ? (appNames.get(row.appId) ?? row.appId) : null,
    allowedModels: row.allowedModels,
    requestsPerMinute: row.requestsPerMinute,
    tokensPerMinute: row.tokensPerMinute,
    monthlyBudgetUsd: row.monthlyBudgetUsd,
    createdAt: row.createdAt.toISOString(),
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

/**
 * Served with the parameter `param` taking the rest of the path (Hono's `{.+}`): model and alias
 * names hold slashes, and clients send them as they are (`/prices/openrouter/meta/llama-3`).
 */
function restOfPath<D extends RouteDef>(def: D, param: string): D {
  return { ...def, path: def.path.replace(`:${param}`, `:${param}{.+}`) };
}

/** Operator API at `/api/v1/ai`: providers, aliases, keys, prices, settings, usage and spend. */
export function adminRoutes(
  gateway: AiGateway,
  authenticate: MiddlewareHandler<ApiEnv>,
  apps: AppDirectory,
): Hono<ApiEnv> {
  const group = routeGroup("/api/v1/ai", authenticate);
  const { catalog, store } = gateway;
  const appNames = async () => new Map((await apps.list()).map((a) => [a.id, a.name]));
  const appIdFor = async (name: string) => {
    const app = await apps.findByName(name);
    if (!app) throw new NotFoundError("App", name);
    return app.id;
  };

  serveRoute(group, routes.aiListProviders, () => ({
    providers: [...catalog.providers.values()].map((p) => ({
      name: p.name,
      kind: p.kind,
      baseUrl: p.baseUrl,
      hasApiKey: p.apiKey !== undefined,
      models: p.models,
    })),
  }));
  serveRoute(group, routes.aiSaveProvider, async ({ body }) => {
    await catalog.putProvider(body);
    return {
      provider: {
        name: body.name,
        kind: body.kind,
        baseUrl: body.baseUrl ?? null,
        hasApiKey: !!body.apiKey,
        models: body.models,
      },
    };
  });
  serveRoute(group, routes.aiDeleteProvider, async ({ params }) => {
    await catalog.deleteProvider(params.name);
    return { deleted: true as const };
  });

  serveRoute(group, routes.aiListAliases, () => ({
    aliases: [...catalog.aliases].map(([name, targets]) => ({ name, targets })),
  }));
  serveRoute(group, routes.aiSaveAlias, async ({ body }) => {
    await catalog.putAlias(body.name, body.targets);
    return { alias: body };
  });
  serveRoute(group, restOfPath(routes.aiDeleteAlias, "name"), async ({ params }) => {
    await catalog.deleteAlias(params.name);
    return { deleted: true as const };
  });

  serveRoute(group, routes.aiListKeys, async () => {
    const names = await appNames();
    const rows = await store.keys.list();
    return {
      keys: await Promise.all(
        rows.map(async (k) => ({
          ...presentKey(k, names),
          usage: k.revokedAt ? null : await gateway.keyUsage(k.id),
        })),
      ),
    };
  });
  serveRoute(group, routes.aiCreateKey, async ({ body }) => {
    const appId = body.app ? await appIdFor(body.app) : null;
    const { key, row } = await catalog.createKey({ ...body, appId });
    return { key: presentKey(row, await appNames()), secret: key };
  });
  serveRoute(group, routes.aiUpdateKey, async ({ params, body }) => {
    const row = await catalog.updateKey(params.id, body);
    return { key: presentKey(row, await appNames()) };
  });
  serveRoute(group, routes.aiRevokeKey, async ({ params }) => {
    const row = await catalog.revokeKey(params.id);
    return { key: presentKey(row, await appNames()) };
  });

  serveRoute(group, routes.aiListPrices, () => ({
    builtin: builtinPrices,
    overrides: Object.fromEntries(catalog.prices),
  }));
  serveRoute(group, restOfPath(routes.aiSetPrice, "model"), async ({ params, body }) => {
    await catalog.putPrice(params.model, body);
    return { model: params.model, price: body };
  });
  serveRoute(group, restOfPath(routes.aiDeletePrice, "model"), async ({ params }) => {
    await catalog.deletePrice(params.model);
    return { deleted: true as const };
  });

  serveRoute(group, routes.aiGetSettings, () => ({ settings: catalog.settings }));
  serveRoute(group, routes.aiUpdateSettings, async ({ body }) => ({
    settings: await catalog.patchSettings(body),
  }));
  serveRoute(group, routes.aiClearCache, () => {
    gateway.clearCache();
    return { cleared: true as const };
  });

  serveRoute(group, routes.aiListUsage, async ({ query }) => {
    const rows = await store.usage.recent({
      limit: query.limit,
      appId: query.app ? await appIdFor(query.app) : undefined,
    });
    const names = await appNames();
    return {
      usage: rows.map((r) => ({
        ...r,
        app: r.appId ? (names.get(r.appId) ?? r.appId) : null,
        createdAt: r.createdAt.toISOString(),
      })),
    };
  });

  serveRoute(group, routes.aiSpend, async ({ query }) => {
    const bucketMs = intervalMs[query.interval];
    const to = query.to ? new Date(query.to) : new Date();
    const from = query.from ? new Date(query.from) : new Date(to.getTime() - 30 * 86_400_000);
    if (from >= to) throw new ValidationError("spend: from must be before to.");
    if ((to.getTime() - from.getTime()) / bucketMs > maxBuckets)
      throw new ValidationError(
        `spend: at most ${maxBuckets} buckets per query; narrow the range or use interval=day.`,
      );
    const appId = query.app ? await appIdFor(query.app) : undefined;
    const rows = await store.usage.spend({ from, to, bucketMs, appId });
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      interval: query.interval,
      ...summarizeSpend(rows, await appNames()),
    };
  });
  return group.app;
}
