import { NotFoundError, ValidationError } from "@pier/core";
import { type ApiEnv, readBody, readParam, requireScope } from "@pier/http";
import { Hono, type MiddlewareHandler } from "hono";
import { z } from "zod";
import type { AiGateway } from "../gateway.ts";
import { builtinPrices } from "../prices.ts";
import {
  aliasBodySchema,
  keyBodySchema,
  keyPatchSchema,
  priceBodySchema,
  providerBodySchema,
  settingsPatchSchema,
} from "../schemas.ts";
import { summarizeSpend } from "../spend-report.ts";
import type { KeyRow } from "../store.ts";

export interface AppDirectory {
  findByName(name: string): Promise<{ id: string; name: string } | undefined>;
  list(): Promise<{ id: string; name: string }[]>;
}

const spendQuerySchema = z.object({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  interval: z.enum(["hour", "day"]).default("day"),
  app: z.string().optional(),
});
/** Model names are free-form (`gpt-4o`, `openrouter/meta/llama-3`) but printable and short. */
const priceModelSchema = z
  .string()
  .min(1)
  .max(200, "a model name is at most 200 characters")
  .regex(/^[^\p{Cc}\s]+$/u, "a model name has no spaces or control characters");
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

/** Operator API at `/api/v1/ai`: providers, aliases, keys, prices, settings, usage and spend. */
export function adminRoutes(
  gateway: AiGateway,
  authenticate: MiddlewareHandler<ApiEnv>,
  apps: AppDirectory,
): Hono<ApiEnv> {
  const api = new Hono<ApiEnv>();
  const { catalog, store } = gateway;
  const appNames = async () => new Map((await apps.list()).map((a) => [a.id, a.name]));
  const appIdFor = async (name: string) => {
    const app = await apps.findByName(name);
    if (!app) throw new NotFoundError("App", name);
    return app.id;
  };
  api.use("*", authenticate);

  api.get("/providers", requireScope("read"), (c) =>
    c.json({
      providers: [...catalog.providers.values()].map((p) => ({
        name: p.name,
        kind: p.kind,
        baseUrl: p.baseUrl,
        hasApiKey: p.apiKey !== undefined,
        models: p.models,
      })),
    }),
  );
  api.post("/providers", requireScope("admin"), async (c) => {
    const body = await readBody(c, providerBodySchema);
    await catalog.putProvider(body);
    return c.json(
      {
        provider: {
          name: body.name,
          kind: body.kind,
          baseUrl: body.baseUrl ?? null,
          hasApiKey: !!body.apiKey,
          models: body.models,
        },
      },
      201,
    );
  });
  api.delete("/providers/:name", requireScope("admin"), async (c) => {
    await catalog.deleteProvider(c.req.param("name"));
    return c.json({ deleted: true });
  });

  api.get("/aliases", requireScope("read"), (c) =>
    c.json({ aliases: [...catalog.aliases].map(([name, targets]) => ({ name, targets })) }),
  );
  api.post("/aliases", requireScope("admin"), async (c) => {
    const body = await readBody(c, aliasBodySchema);
    await catalog.putAlias(body.name, body.targets);
    return c.json({ alias: body }, 201);
  });
  api.delete("/aliases/:name{.+}", requireScope("admin"), async (c) => {
    await catalog.deleteAlias(c.req.param("name"));
    return c.json({ deleted: true });
  });

  api.get("/keys", requireScope("read"), async (c) => {
    const names = await appNames();
    return c.json({ keys: (await store.keys.list()).map((k) => presentKey(k, names)) });
  });
  api.post("/keys", requireScope("write"), async (c) => {
    const body = await readBody(c, keyBodySchema);
    const appId = body.app ? await appIdFor(body.app) : null;
    const { key, row } = await catalog.createKey({ ...body, appId });
    return c.json({ key: presentKey(row, await appNames()), secret: key }, 201);
  });
  api.patch("/keys/:id", requireScope("write"), async (c) => {
    const row = await catalog.updateKey(c.req.param("id"), await readBody(c, keyPatchSchema));
    return c.json({ key: presentKey(row, await appNames()) });
  });
  api.delete("/keys/:id", requireScope("write"), async (c) => {
    const row = await catalog.revokeKey(c.req.param("id"));
    return c.json({ key: presentKey(row, await appNames()) });
  });

  api.get("/prices", requireScope("read"), (c) =>
    c.json({ builtin: builtinPrices, overrides: Object.fromEntries(catalog.prices) }),
  );
  api.put("/prices/:model{.+}", requireScope("admin"), async (c) => {
    const model = readParam(c.req.param("model"), priceModelSchema, "model");
    const price = await readBody(c, priceBodySchema);
    await catalog.putPrice(model, price);
    return c.json({ model, price });
  });
  api.delete("/prices/:model{.+}", requireScope("admin"), async (c) => {
    await catalog.deletePrice(c.req.param("model"));
    return c.json({ deleted: true });
  });

  api.get("/settings", requireScope("read"), (c) => c.json({ settings: catalog.settings }));
  api.patch("/settings", requireScope("admin"), async (c) => {
    const settings = await catalog.patchSettings(await readBody(c, settingsPatchSchema));
    return c.json({ settings });
  });
  api.post("/cache/clear", requireScope("admin"), (c) => {
    gateway.clearCache();
    return c.json({ cleared: true });
  });

  api.get("/usage", requireScope("read"), async (c) => {
    const limit = Math.min(1000, Math.max(1, Number(c.req.query("limit") ?? 100) || 100));
    const app = c.req.query("app");
    const rows = await store.usage.recent({ limit, appId: app ? await appIdFor(app) : undefined });
    const names = await appNames();
    return c.json({
      usage: rows.map((r) => ({
        ...r,
        app: r.appId ? (names.get(r.appId) ?? r.appId) : null,
        createdAt: r.createdAt.toISOString(),
      })),
    });
  });

  api.get("/spend", requireScope("read"), async (c) => {
    const query = spendQuerySchema.safeParse(c.req.query());
    if (!query.success) throw new ValidationError("spend: from/to are ISO dates, interval is hour or day.");
    const bucketMs = intervalMs[query.data.interval];
    const to = query.data.to ? new Date(query.data.to) : new Date();
    const from = query.data.from ? new Date(query.data.from) : new Date(to.getTime() - 30 * 86_400_000);
    if (from >= to) throw new ValidationError("spend: from must be before to.");
    if ((to.getTime() - from.getTime()) / bucketMs > maxBuckets)
      throw new ValidationError(
        `spend: at most ${maxBuckets} buckets per query; narrow the range or use interval=day.`,
      );
    const appId = query.data.app ? await appIdFor(query.data.app) : undefined;
    const rows = await store.usage.spend({ from, to, bucketMs, appId });
    return c.json({
      from: from.toISOString(),
      to: to.toISOString(),
      interval: query.data.interval,
      ...summarizeSpend(rows, await appNames()),
    });
  });
  return api;
}
