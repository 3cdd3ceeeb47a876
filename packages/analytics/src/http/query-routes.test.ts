import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ApiEnv, errorResponse } from "@pier/http";
import { Hono } from "hono";
import type { RequestMinute } from "../query/request-metrics.ts";
import { Analytics } from "../service.ts";
import { defaultSiteSettings, type SiteSettings } from "../settings/site-settings.ts";
import { knownDataset } from "../testing/known-dataset.ts";
import { liveEvents } from "../testing/live-events.ts";
import { analyticsRoutes } from "./contract.ts";
import { queryRoutes } from "./query-routes.ts";

// Every route of the query API through Hono, its answer checked against the contract's response
// schema: what the e2e suites check on every answer (PIER_CHECK_RESPONSES=1), here without a server.
const DAY = 86_400_000;
const now = Date.now();
const firstDay = (Math.floor(now / DAY) - 5) * DAY;
const dir = mkdtempSync(join(tmpdir(), "pier-analytics-routes-"));
let analytics: Analytics;
let console: Hono<ApiEnv>;

const minute = (at: number, requests: number): RequestMinute => ({
  minute: new Date(Math.floor(at / 60_000) * 60_000),
  requests,
  status2xx: requests - 1,
  status3xx: 0,
  status4xx: 0,
  status5xx: 1,
  p50Ms: 3,
  p95Ms: 12,
  p99Ms: 40,
  bytesIn: 100,
  bytesOut: 2000,
});

beforeAll(async () => {
  analytics = await Analytics.start({ dataDir: dir, now: () => now });
  await analytics.store.write(knownDataset("shop-id", firstDay));
  await analytics.store.write(liveEvents("shop-id", now));
  const settings = new Map<string, SiteSettings>();
  console = new Hono<ApiEnv>();
  console.onError((error, c) => errorResponse(c, error, () => {}));
  console.route(
    "/api/v1/analytics",
    queryRoutes({
      analytics,
      settings: {
        get: (site) => settings.get(site) ?? defaultSiteSettings,
        set: async (site, value) => {
          settings.set(site, value);
          return value;
        },
      },
      // `Bearer read` or `Bearer write` grants that scope.
      authenticate: async (c, next) => {
        const scope = c.req.header("authorization")?.replace("Bearer ", "");
        if (scope !== "read" && scope !== "write") return c.json({ error: { code: "unauthorized" } }, 401);
        c.set("principal", { kind: "token", tokenId: "t", scopes: [scope], userId: null });
        return next();
      },
      resolveSite: async (param) =>
        param === "shop" ? { site: "shop-id", metricsKey: "shop-id" } : { site: param, metricsKey: "static" },
      requestMetrics: async () => [
        minute(now - 120_000, 10),
        minute(now - 120_000, 5),
        minute(now - 60_000, 3),
      ],
      now: () => now,
    }),
  );
});

afterAll(async () => {
  await analytics.stop();
  rmSync(dir, { recursive: true, force: true });
});

function send(method: string, path: string, body?: unknown, scope = "write") {
  return console.request(path, {
    method,
    headers: { authorization: `Bearer ${scope}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

describe("the analytics query API", () => {
  const range = `from=${firstDay}&to=${firstDay + 3 * DAY}`;
  const answers: [keyof typeof analyticsRoutes, string, string, unknown?][] = [
    ["analyticsStatus", "GET", "/api/v1/analytics"],
    ["analyticsOverview", "GET", `/api/v1/analytics/shop/overview?${range}`],
    ["analyticsTimeseries", "GET", `/api/v1/analytics/shop/timeseries?${range}&interval=hour`],
    ["analyticsBreakdown", "GET", `/api/v1/analytics/shop/breakdown/country?${range}`],
    ["analyticsBreakdown", "GET", `/api/v1/analytics/shop/breakdown/utm_campaign?${range}&limit=2`],
    ["analyticsEvents", "GET", `/api/v1/analytics/shop/events?${range}`],
    ["analyticsEventProps", "GET", `/api/v1/analytics/shop/events/signup/props?${range}`],
    ["analyticsVitals", "GET", `/api/v1/analytics/shop/vitals?${range}`],
    ["analyticsVitals", "GET", "/api/v1/analytics/nothing.test/vitals"],
    ["analyticsRealtime", "GET", "/api/v1/analytics/shop/realtime"],
    ["analyticsRequests", "GET", "/api/v1/analytics/shop/requests?period=24h"],
    ["analyticsDashboard", "GET", "/api/v1/analytics/shop/dashboard?period=7d&filter.country=DE"],
    ["analyticsDashboard", "GET", "/api/v1/analytics/nothing.test/dashboard"],
    [
      "analyticsFunnel",
      "POST",
      "/api/v1/analytics/shop/funnel",
      { steps: [{ page: "/" }, { page: "/pricing" }, { event: "signup" }], from: firstDay, to: now },
    ],
    ["analyticsGetSettings", "GET", "/api/v1/analytics/shop/settings"],
    [
      "analyticsUpdateSettings",
      "PUT",
      "/api/v1/analytics/shop/settings",
      { respectDnt: true, autoInject: false },
    ],
  ];
  for (const [key, method, path, body] of answers) {
    test(`${method} ${path.split("?")[0]} answers in the shape of ${key}`, async () => {
      const res = await send(method, path, body);
      expect(res.status).toBe(200);
      const parsed = analyticsRoutes[key].response.safeParse(await res.json());
      expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
    });
  }

  test("the known data set reads through the API as the store answers it", async () => {
    const { overview } = await (await send("GET", `/api/v1/analytics/shop/overview?${range}`)).json();
    expect(overview).toMatchObject({ visitors: 300, visits: 360, pageviews: 630 });
    const funnel = await send("POST", "/api/v1/analytics/shop/funnel", {
      steps: [{ page: "/" }, { page: "/pricing" }],
      period: "30d",
      filters: { country: "DE" },
    });
    expect((await funnel.json()).funnel.steps).toHaveLength(2);
  });

  test("settings read back as they were put", async () => {
    await send("PUT", "/api/v1/analytics/shop/settings", { respectDnt: false, autoInject: true });
    const settings = await (await send("GET", "/api/v1/analytics/shop/settings", undefined, "read")).json();
    expect(settings).toEqual({ settings: { respectDnt: false, autoInject: true, excludedPaths: [] } });
    const paths = { respectDnt: true, autoInject: true, excludedPaths: ["/admin/*", "/health"] };
    await send("PUT", "/api/v1/analytics/shop/settings", paths);
    // Left out, the excluded paths stay as they were.
    await send("PUT", "/api/v1/analytics/shop/settings", { respectDnt: false, autoInject: true });
    expect(await (await send("GET", "/api/v1/analytics/shop/settings", undefined, "read")).json()).toEqual({
      settings: { respectDnt: false, autoInject: true, excludedPaths: ["/admin/*", "/health"] },
    });
    const bad = await send("PUT", "/api/v1/analytics/shop/settings", { ...paths, excludedPaths: ["admin"] });
    expect(bad.status).toBe(400);
  });

  test("bad dimensions, filters and ranges are 400s that say what to send", async () => {
    const message = async (path: string) => {
      const res = await send("GET", path);
      expect(res.status).toBe(400);
      return (await res.json()).error.message as string;
    };
    expect(await message("/api/v1/analytics/shop/breakdown/password")).toContain(
      "dimension must be one of page, entry",
    );
    expect(await message("/api/v1/analytics/shop/overview?filter.password=x")).toContain(
      "unknown filter filter.password",
    );
    expect(await message("/api/v1/analytics/shop/overview?from=2026-03-02&to=2026-03-01")).toContain(
      "before",
    );
    expect(await message("/api/v1/analytics/shop/overview?period=1y")).toContain("period");
    expect(await message("/api/v1/analytics/shop/overview?limit=0")).toContain("limit");
  });

  test("settings need the write scope, everything else read; no credential is a 401", async () => {
    const settings = { respectDnt: false, autoInject: false };
    expect((await send("PUT", "/api/v1/analytics/shop/settings", settings, "read")).status).toBe(403);
    expect((await send("POST", "/api/v1/analytics/shop/funnel", { steps: [] }, "read")).status).toBe(400);
    expect((await send("GET", "/api/v1/analytics", undefined, "none")).status).toBe(401);
  });
});
