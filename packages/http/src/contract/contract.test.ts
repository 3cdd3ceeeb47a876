import { describe, expect, test } from "bun:test";
import { Hono } from "hono";
import { z } from "zod";
import { assertAppAccess } from "../authenticate.ts";
import { buildPath, createApiClient } from "../client/api-client.ts";
import type { ApiEnv } from "../env.ts";
import { errorResponse } from "../error-response.ts";
import { openApiDocument } from "./openapi.ts";
import { defineRoutes, type RoutesOf, timestamp } from "./route.ts";
import { eventData, routeGroup, serveRoute } from "./serve-route.ts";

const widgets = defineRoutes({
  listWidgets: {
    method: "GET",
    path: "/api/v1/widgets",
    tag: "widgets",
    access: "read",
    summary: "List widgets",
    query: z.object({ limit: z.coerce.number().int().min(1).max(10).default(5) }),
    response: z.object({ widgets: z.array(z.object({ name: z.string(), madeAt: timestamp() })) }),
  },
  createWidget: {
    method: "POST",
    path: "/api/v1/widgets/:shop",
    tag: "widgets",
    access: "write",
    summary: "Create a widget",
    params: z.object({ shop: z.string().regex(/^[a-z]+$/) }),
    body: z.strictObject({ name: z.string().min(1) }),
    status: 201,
    response: z.object({ shop: z.string(), name: z.string() }),
  },
  health: {
    method: "GET",
    path: "/api/v1/widgets-health",
    tag: "widgets",
    access: "public",
    summary: "Public",
    response: z.object({ ok: z.boolean() }),
  },
});

/** A console with a fake authentication: `Bearer read` or `Bearer write` grants that scope. */
function console() {
  const app = new Hono<ApiEnv>();
  app.onError((error, c) => errorResponse(c, error, () => {}));
  let lookups = 0;
  const group = routeGroup("/api/v1", async (c, next) => {
    lookups++;
    const scope = c.req.header("authorization")?.replace("Bearer ", "");
    if (scope !== "read" && scope !== "write") return c.json({ error: { code: "unauthorized" } }, 401);
    c.set("principal", { kind: "token", tokenId: "t", scopes: [scope], userId: null });
    return next();
  });
  serveRoute(group, widgets.listWidgets, ({ query }) => ({
    widgets: Array.from({ length: Math.min(query.limit, 2) }, (_, i) => ({
      name: `w${i}`,
      madeAt: new Date(Date.UTC(2026, 0, i + 1)),
    })),
  }));
  serveRoute(group, widgets.createWidget, ({ params, body }) => ({ shop: params.shop, name: body.name }));
  serveRoute(group, widgets.health, () => ({ ok: true }));
  app.route("/api/v1", group.app);
  return { app, lookups: () => lookups };
}

describe("serveRoute", () => {
  test("validates query, params and body, and answers with the route's status", async () => {
    const { app } = console();
    const list = await app.request("/api/v1/widgets?limit=1", { headers: { authorization: "Bearer read" } });
    expect(list.status).toBe(200);
    expect(await list.json()).toEqual({ widgets: [{ name: "w0", madeAt: "2026-01-01T00:00:00.000Z" }] });

    const badQuery = await app.request("/api/v1/widgets?limit=99", {
      headers: { authorization: "Bearer read" },
    });
    expect(badQuery.status).toBe(400);
    expect((await badQuery.json()).error.message).toContain("limit");

    const post = (path: string, body: string) =>
      app.request(path, {
        method: "POST",
        headers: { authorization: "Bearer write", "content-type": "application/json" },
        body,
      });
    const created = await post("/api/v1/widgets/acme", JSON.stringify({ name: "bolt" }));
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({ shop: "acme", name: "bolt" });
    expect((await post("/api/v1/widgets/ACME", JSON.stringify({ name: "bolt" }))).status).toBe(400);
    expect((await post("/api/v1/widgets/acme", JSON.stringify({ name: "" }))).status).toBe(400);
    expect((await post("/api/v1/widgets/acme", "{not json")).status).toBe(400);
  });

  test("access: public needs nothing, scopes are enforced, a known principal is not looked up again", async () => {
    const { app, lookups } = console();
    expect((await app.request("/api/v1/widgets-health")).status).toBe(200);
    expect(lookups()).toBe(0);
    expect((await app.request("/api/v1/widgets")).status).toBe(401);
    const readOnly = await app.request("/api/v1/widgets/acme", {
      method: "POST",
      headers: { authorization: "Bearer read", "content-type": "application/json" },
      body: JSON.stringify({ name: "x" }),
    });
    expect(readOnly.status).toBe(403);
  });

  test("refuses a route outside the group's prefix at registration", () => {
    const group = routeGroup("/api/v1/other", async (_, next) => next());
    expect(() => serveRoute(group, widgets.health, () => ({ ok: true }))).toThrow("does not belong");
  });
});

describe("openApiDocument", () => {
  const doc = openApiDocument([widgets], { title: "t", version: "1" }) as {
    paths: Record<string, Record<string, Record<string, unknown>>>;
  };

  test("one operation per route, path parameters in braces, schemas from zod", () => {
    expect(Object.keys(doc.paths).sort()).toEqual([
      "/api/v1/widgets",
      "/api/v1/widgets-health",
      "/api/v1/widgets/{shop}",
    ]);
    const create = doc.paths["/api/v1/widgets/{shop}"]!.post!;
    expect(create.operationId).toBe("createWidget");
    expect(create.parameters).toEqual([
      { name: "shop", in: "path", required: true, schema: { type: "string", pattern: "^[a-z]+$" } },
    ]);
    expect(JSON.stringify(create.requestBody)).toContain('"name"');
    expect(Object.keys(create.responses as object)).toContain("201");
    const list = doc.paths["/api/v1/widgets"]!.get!;
    expect(list.parameters).toEqual([
      { name: "limit", in: "query", required: false, schema: expect.objectContaining({ default: 5 }) },
    ]);
    const listSchema = JSON.stringify(list.responses);
    expect(listSchema).toContain('"format":"date-time"');
    expect(doc.paths["/api/v1/widgets-health"]!.get!.security).toEqual([]);
  });

  test("two routes for one method and path, or under one name, are refused", () => {
    expect(() => openApiDocument([widgets, { again: widgets.health }], { title: "t", version: "1" })).toThrow(
      "two contract routes for GET",
    );
    const renamed = { health: { ...widgets.health, path: "/api/v1/other" } };
    expect(() => openApiDocument([widgets, renamed], { title: "t", version: "1" })).toThrow(
      'two contract routes named "health"',
    );
  });
});

describe("client", () => {
  test("buildPath fills and encodes parameters and skips undefined query values", () => {
    expect(
      buildPath("/api/v1/apps/:name/env/:key", { name: "shop", key: "A B" }, { x: undefined, n: 2 }),
    ).toBe("/api/v1/apps/shop/env/A%20B?n=2");
    expect(() => buildPath("/api/v1/apps/:name", {}, undefined)).toThrow("missing path parameter");
  });

  test("a call goes to the route's method and path with its body", async () => {
    const calls: unknown[] = [];
    const client = createApiClient<RoutesOf<typeof widgets>>(async (call) => {
      calls.push(call);
      return { shop: "acme", name: "bolt" };
    });
    const answer = await client.call("POST /api/v1/widgets/:shop", {
      params: { shop: "acme" },
      body: { name: "bolt" },
    });
    expect(answer.name).toBe("bolt");
    await client.call("GET /api/v1/widgets", { query: { limit: 3 } });
    expect(calls).toEqual([
      { method: "POST", path: "/api/v1/widgets/acme", body: { name: "bolt" } },
      { method: "GET", path: "/api/v1/widgets?limit=3", body: undefined },
    ]);
  });
});

describe("event streams", () => {
  const routes = defineRoutes({
    ticks: {
      method: "GET",
      path: "/api/v1/ticks",
      tag: "t",
      access: "read",
      summary: "Ticks",
      produces: "text/event-stream",
      events: { tick: z.object({ n: z.number().int(), at: timestamp() }) },
    },
  });

  test("an event's data is the JSON of its schema's input; an event the contract lacks is refused", () => {
    const at = new Date(Date.UTC(2026, 0, 1));
    expect(JSON.parse(eventData(routes.ticks, "tick", { n: 1, at }))).toEqual({
      n: 1,
      at: "2026-01-01T00:00:00.000Z",
    });
    // @ts-expect-error: not an event of the route
    expect(() => eventData(routes.ticks, "tock", { n: 1 })).toThrow('no event "tock"');
  });

  test("OpenAPI lists the events with the schemas of their data", () => {
    const doc = openApiDocument([routes], { title: "t", version: "1" }) as {
      paths: Record<string, { get: { responses: Record<string, { content: Record<string, unknown> }> } }>;
    };
    const stream = doc.paths["/api/v1/ticks"]!.get.responses["200"]!.content["text/event-stream"] as {
      "x-pier-events": Record<string, { properties: Record<string, { type: string }> }>;
    };
    expect(stream["x-pier-events"].tick!.properties.n!.type).toBe("integer");
    expect(stream["x-pier-events"].tick!.properties.at).toMatchObject({
      type: "string",
      format: "date-time",
    });
  });
});

describe("bodyOptional", () => {
  const routes = defineRoutes({
    poke: {
      method: "POST",
      path: "/api/v1/poke",
      tag: "t",
      access: "public",
      summary: "Poke",
      body: z.strictObject({ message: z.string().default("hello") }),
      bodyOptional: true,
      response: z.object({ message: z.string() }),
    },
  });
  const app = new Hono<ApiEnv>();
  app.onError((error, c) => errorResponse(c, error, () => {}));
  const group = routeGroup("/api/v1", async (_, next) => next());
  serveRoute(group, routes.poke, ({ body }) => ({ message: body.message }));
  app.route("/api/v1", group.app);

  test("a request without a body reads as {} and gets the defaults; a bad body is still a 400", async () => {
    expect(await (await app.request("/api/v1/poke", { method: "POST" })).json()).toEqual({
      message: "hello",
    });
    const given = await app.request("/api/v1/poke", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ message: "hi" }),
    });
    expect(await given.json()).toEqual({ message: "hi" });
    expect((await app.request("/api/v1/poke", { method: "POST", body: "{oops" })).status).toBe(400);
    expect((await app.request("/api/v1/poke", { method: "POST", body: '{"other":1}' })).status).toBe(400);
  });
});

describe("tokens limited to apps", () => {
  const routes = defineRoutes({
    appThing: {
      method: "GET",
      path: "/api/v1/apps/:name/thing",
      tag: "t",
      access: "read",
      summary: "An app's thing",
      response: z.object({ ok: z.boolean() }),
    },
    platformThing: {
      method: "GET",
      path: "/api/v1/things",
      tag: "t",
      access: "read",
      summary: "A platform-wide thing",
      response: z.object({ ok: z.boolean() }),
    },
    byId: {
      method: "GET",
      path: "/api/v1/things/:id",
      tag: "t",
      access: "read",
      appScope: "handler",
      summary: "A thing whose app the handler knows",
      response: z.object({ ok: z.boolean() }),
    },
  });
  const app = new Hono<ApiEnv>();
  app.onError((error, c) => errorResponse(c, error, () => {}));
  const group = routeGroup("/api/v1", async (c, next) => {
    c.set("principal", { kind: "token", tokenId: "t", scopes: ["deploy"], userId: null, apps: ["shop"] });
    return next();
  });
  serveRoute(group, routes.appThing, () => ({ ok: true }));
  serveRoute(group, routes.platformThing, () => ({ ok: true }));
  serveRoute(group, routes.byId, ({ params }, c) => {
    assertAppAccess(c.get("principal"), params.id === "1" ? "shop" : "blog");
    return { ok: true };
  });
  app.route("/api/v1", group.app);

  test("reach their apps' routes only; platform routes are refused; handler-checked routes decide", async () => {
    expect((await app.request("/api/v1/apps/shop/thing")).status).toBe(200);
    const other = await app.request("/api/v1/apps/blog/thing");
    expect(other.status).toBe(403);
    expect((await other.json()).error.message).toContain("limited to the app shop");
    expect((await app.request("/api/v1/things")).status).toBe(403);
    expect((await app.request("/api/v1/things/1")).status).toBe(200);
    expect((await app.request("/api/v1/things/2")).status).toBe(403);
  });
});
