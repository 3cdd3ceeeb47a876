import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "@pier/core";
import { type Database, openDatabase } from "@pier/db";
import { type ApiEnv, errorResponse } from "@pier/http";
import type { RouteDef } from "@pier/http/contract";
import { createSecretBox } from "@pier/secrets";
import { Hono, type MiddlewareHandler } from "hono";
import { AiGateway } from "../gateway.ts";
import { pgMigrations, sqliteMigrations } from "../migrations.gen.ts";
import { createAiStore } from "../store.ts";
import { adminRoutes } from "./admin-routes.ts";
import { aiRoutes } from "./contract.ts";

// Every operator route through Hono, its answer checked against the contract's response schema:
// what the e2e suites check on every answer (PIER_CHECK_RESPONSES=1), here without a server.
let dir: string;
let database: Database;
let gateway: AiGateway;
let console: Hono<ApiEnv>;
const apps = [{ id: "app_shop", name: "shop" }];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pier-ai-admin-"));
  database = await openDatabase({ dataDir: dir });
  await database.migrate({ sqlite: sqliteMigrations, pg: pgMigrations });
  const secretBox = await createSecretBox(crypto.getRandomValues(new Uint8Array(32)));
  gateway = await AiGateway.create({ store: createAiStore(database), secretBox, logger: silentLogger });
  // Two requests of the shop's deploy key and one of no app, as the gateway logs them.
  for (const [appId, cached] of [
    ["app_shop", false],
    ["app_shop", true],
    [null, false],
  ] as const) {
    await gateway.store.usage.insert({
      id: crypto.randomUUID(),
      appId,
      keyId: null,
      endpoint: "chat/completions",
      requestedModel: "smart",
      provider: cached ? null : "local",
      model: cached ? null : "gpt-4o-mini",
      promptTokens: 10,
      completionTokens: 5,
      latencyMs: 12,
      ttftMs: cached ? null : 4,
      status: 200,
      costUsd: cached ? 0 : 0.0001,
      cached,
    });
  }
  console = new Hono<ApiEnv>();
  console.onError((error, c) => errorResponse(c, error, () => {}));
  const authenticate: MiddlewareHandler<ApiEnv> = async (c, next) => {
    const scope = c.req.header("authorization")?.replace("Bearer ", "");
    if (scope !== "read" && scope !== "write" && scope !== "admin")
      return c.json({ error: { code: "unauthorized" } }, 401);
    c.set("principal", { kind: "token", tokenId: "t", scopes: [scope], userId: null });
    return next();
  };
  console.route(
    "/api/v1/ai",
    adminRoutes(gateway, authenticate, {
      findByName: async (name) => apps.find((a) => a.name === name),
      list: async () => apps,
    }),
  );
});

afterAll(async () => {
  await gateway.idle();
  await database.close();
  rmSync(dir, { recursive: true, force: true });
});

function send(method: string, path: string, body?: unknown, scope = "admin") {
  return console.request(path, {
    method,
    headers: { authorization: `Bearer ${scope}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function answer(key: keyof typeof aiRoutes, method: string, path: string, body?: unknown) {
  const res = await send(method, path, body);
  const json = await res.json();
  const route: RouteDef = aiRoutes[key];
  expect([res.status, json]).toEqual([route.status ?? 200, expect.anything()]);
  const parsed = route.response!.safeParse(json);
  expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
  return json;
}

describe("the AI gateway's operator API", () => {
  test("providers, aliases, prices and settings answer in their contract's shape", async () => {
    await answer("aiSaveProvider", "POST", "/api/v1/ai/providers", {
      name: "local",
      kind: "openai-compatible",
      baseUrl: "http://127.0.0.1:9/v1",
      apiKey: "sk-local",
      models: ["gpt-4o-mini"],
    });
    await answer("aiSaveProvider", "POST", "/api/v1/ai/providers", { name: "openai", kind: "openai" });
    const { providers } = await answer("aiListProviders", "GET", "/api/v1/ai/providers");
    expect(providers).toContainEqual({
      name: "openai",
      kind: "openai",
      baseUrl: null,
      hasApiKey: false,
      models: [],
    });
    await answer("aiSaveAlias", "POST", "/api/v1/ai/aliases", {
      name: "team/smart",
      targets: ["local/gpt-4o-mini"],
    });
    await answer("aiListAliases", "GET", "/api/v1/ai/aliases");
    await answer("aiSetPrice", "PUT", "/api/v1/ai/prices/local/gpt-4o-mini", {
      inputPerMillion: 1,
      outputPerMillion: 2,
    });
    await answer("aiListPrices", "GET", "/api/v1/ai/prices");
    await answer("aiUpdateSettings", "PATCH", "/api/v1/ai/settings", { retries: 3 });
    const { settings } = await answer("aiGetSettings", "GET", "/api/v1/ai/settings");
    expect(settings.retries).toBe(3);
    await answer("aiClearCache", "POST", "/api/v1/ai/cache/clear");
  });

  test("alias and model names keep their slashes, sent as they are or as %2F", async () => {
    await answer("aiSetPrice", "PUT", "/api/v1/ai/prices/openrouter%2Fmeta%2Fllama-3", {
      inputPerMillion: 0.5,
      outputPerMillion: 0.5,
    });
    const { overrides } = await answer("aiListPrices", "GET", "/api/v1/ai/prices");
    expect(Object.keys(overrides).sort()).toEqual(["local/gpt-4o-mini", "openrouter/meta/llama-3"]);
    await answer("aiDeletePrice", "DELETE", "/api/v1/ai/prices/openrouter/meta/llama-3");
    await answer("aiDeleteAlias", "DELETE", "/api/v1/ai/aliases/team%2Fsmart");
    expect((await send("DELETE", "/api/v1/ai/aliases/team/smart")).status).toBe(404);
    const bad = await send("PUT", "/api/v1/ai/prices/a%20b", { inputPerMillion: 1, outputPerMillion: 1 });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toContain("no spaces");
  });

  test("an alias to a provider nobody configured is refused and not saved", async () => {
    const res = await send("POST", "/api/v1/ai/aliases", {
      name: "typo",
      targets: ["local/gpt-4o-mini", "opnai/gpt-4o"],
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toContain('No AI provider named "opnai" (in opnai/gpt-4o)');
    const { aliases } = await answer("aiListAliases", "GET", "/api/v1/ai/aliases");
    expect(aliases.map((a: { name: string }) => a.name)).not.toContain("typo");
  });

  test("keys: issued once, listed, limited and revoked", async () => {
    const created = await answer("aiCreateKey", "POST", "/api/v1/ai/keys", {
      name: "web",
      app: "shop",
      monthlyBudgetUsd: 5,
    });
    expect(created.secret).toStartWith("pier_ai");
    expect(created.key).toMatchObject({ app: "shop", monthlyBudgetUsd: 5, revokedAt: null });
    await answer("aiCreateKey", "POST", "/api/v1/ai/keys", { name: "scripts", allowedModels: ["local/*"] });
    await answer("aiUpdateKey", "PATCH", `/api/v1/ai/keys/${created.key.id}`, { monthlyBudgetUsd: null });
    const revoked = await answer("aiRevokeKey", "DELETE", `/api/v1/ai/keys/${created.key.id}`);
    expect(revoked.key.revokedAt).toBeString();
    const { keys } = await answer("aiListKeys", "GET", "/api/v1/ai/keys");
    expect(keys).toHaveLength(2);
    // Active keys carry what they used against their limits; revoked ones none.
    const byName = Object.fromEntries(keys.map((k: { name: string; usage: unknown }) => [k.name, k.usage]));
    expect(byName).toEqual({ web: null, scripts: { monthUsd: 0, lastMinute: { requests: 0, tokens: 0 } } });
    expect((await send("POST", "/api/v1/ai/keys", { name: "x", app: "nope" })).status).toBe(404);
  });

  test("usage and spend, of all apps and of one", async () => {
    const { usage } = await answer("aiListUsage", "GET", "/api/v1/ai/usage?limit=abc");
    expect(usage).toHaveLength(3);
    expect(usage.filter((u: { app: string | null }) => u.app === "shop")).toHaveLength(2);
    const tooLong = await send("GET", "/api/v1/ai/spend?interval=hour&from=2000-01-01T00:00:00Z");
    expect([tooLong.status, (await tooLong.json()).error.message]).toEqual([
      400,
      expect.stringContaining("buckets"),
    ]);
    const report = await answer("aiSpend", "GET", "/api/v1/ai/spend?app=shop");
    expect(report.total.requests).toBe(2);
    expect(report.byApp).toEqual([expect.objectContaining({ app: "shop", requests: 2 })]);
    const everyone = await answer("aiSpend", "GET", "/api/v1/ai/spend");
    expect(everyone.byApp.map((a: { app: string }) => a.app).sort()).toEqual(["(no app)", "shop"]);
  });

  test("scopes: settings and providers need admin, keys write, reading read", async () => {
    expect((await send("PATCH", "/api/v1/ai/settings", { retries: 1 }, "write")).status).toBe(403);
    expect((await send("POST", "/api/v1/ai/keys", { name: "r" }, "read")).status).toBe(403);
    expect((await send("GET", "/api/v1/ai/keys", undefined, "read")).status).toBe(200);
    expect((await send("GET", "/api/v1/ai/keys", undefined, "none")).status).toBe(401);
  });
});
