import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { jsonApi, type PierProcess, startPier } from "../support/pier-process.ts";
import { chromiumAvailable, launchChromium, shoot, watchPage } from "./dashboard-browser.ts";

// The traces pages of the dashboard in Chromium: an app's slowest routes with p50/p95/p99, a
// trace's waterfall and span details, and the links between an error event and its trace.
const enabled = chromiumAvailable();
const token = `pier_tracedash${crypto.randomUUID().replaceAll("-", "")}`;
let pier: PierProcess;
let browser: Browser;
let page: Page;
const api = jsonApi(() => pier, token);

const hex = (bytes: number) => Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("hex");
const ns = (ms: number) => String(BigInt(Math.round(ms * 1000)) * 1000n);
const attr = (key: string, value: string | number) => ({
  key,
  value: typeof value === "string" ? { stringValue: value } : { intValue: String(value) },
});

/** One request to `route` taking `ms`, with a database child span; returns its trace id. */
function request(route: string, ms: number, at: number) {
  const traceId = hex(16);
  const rootId = hex(8);
  return {
    traceId,
    span: [
      {
        traceId,
        spanId: rootId,
        name: `GET ${route}`,
        kind: 2,
        startTimeUnixNano: ns(at),
        endTimeUnixNano: ns(at + ms),
        attributes: [attr("http.route", route), attr("http.request.method", "GET")],
      },
      {
        traceId,
        spanId: hex(8),
        parentSpanId: rootId,
        name: "SELECT orders",
        kind: 3,
        startTimeUnixNano: ns(at + 1),
        endTimeUnixNano: ns(at + ms / 2),
        attributes: [attr("db.system", "postgresql"), attr("db.rows", 12)],
      },
    ],
  };
}

beforeAll(async () => {
  if (!enabled) return;
  pier = await startPier({ env: { PIER_ADMIN_TOKEN: token }, args: ["--proxy-workers", "0"] });
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  watchPage(page);
});
afterAll(async () => {
  await browser?.close();
  await pier?.stop();
}, 20_000);

describe.skipIf(!enabled)("traces in the dashboard", () => {
  test("slowest routes with percentiles, a waterfall, and error ⇄ trace links", async () => {
    await api("POST", "/api/v1/apps", { name: "shop" });
    const { project } = await api<{ project: { id: number; publicKey: string } }>(
      "PUT",
      "/api/v1/errors/apps/shop/project",
    );
    const now = Date.now() - 60_000;
    const requests = [
      ...[10, 20, 30, 40].map((ms, i) => request("/orders/:id", ms, now + i * 100)),
      request("/health", 2, now + 500),
    ];
    const res = await fetch(`${pier.url}/v1/traces`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-pier-key": project.publicKey },
      body: JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [attr("service.name", "shop-api")] },
            scopeSpans: [{ spans: requests.flatMap((r) => r.span) }],
          },
        ],
      }),
    });
    expect(res.status).toBe(200);
    const slowest = requests[3]!.traceId;
    // An error that happened in the slowest request: Sentry puts the trace in contexts.trace.
    const sent = await fetch(`${pier.url}/api/${project.id}/store/?sentry_key=${project.publicKey}`, {
      method: "POST",
      body: JSON.stringify({
        level: "error",
        platform: "node",
        exception: { values: [{ type: "OrderError", value: "order 42 is gone" }] },
        contexts: { trace: { trace_id: slowest, span_id: requests[3]!.span[0]!.spanId } },
      }),
    });
    expect(sent.status).toBe(200);

    await page.goto(pier.url);
    await page.getByRole("heading", { name: "Welcome to pier" }).waitFor();
    await page.getByLabel("Setup code").fill(pier.setupCode());
    await page.getByLabel("Email").fill("admin@example.com");
    await page.getByLabel("Password").fill("correct horse battery");
    await page.getByRole("button", { name: "Create admin account" }).click();
    await page.getByRole("heading", { name: "Apps" }).waitFor();

    await page.goto(`${pier.url}/apps/shop?tab=traces`);
    const routes = page.getByTestId("trace-routes");
    const orders = routes.getByRole("row", { name: /\/orders\/:id/ });
    await orders.waitFor();
    const cells = await orders.getByRole("cell").allTextContents();
    // Route, service, requests, errors, p50, p95, p99 (nearest rank over 10/20/30/40 ms).
    expect(cells.slice(0, 7)).toEqual(["GET /orders/:id", "shop-api", "4", "0", "20 ms", "40 ms", "40 ms"]);
    // Slowest p95 first.
    expect(await routes.getByRole("row").nth(1).textContent()).toContain("/orders/:id");
    await shoot(page, "flow-traces-routes");

    const list = page.getByTestId("trace-list");
    await list.getByRole("row").nth(1).getByRole("link").click();
    await page.getByTestId("trace-waterfall").waitFor();
    expect(await page.getByTestId("trace-id").textContent()).toBe(slowest);
    const rows = page.getByTestId("trace-waterfall").getByRole("button");
    expect(await rows.count()).toBe(2);
    expect(await rows.nth(0).textContent()).toContain("GET /orders/:id");
    await rows.nth(1).click();
    const detail = page.getByTestId("span-detail");
    await detail.waitFor();
    expect(await detail.textContent()).toContain("db.system");
    expect(await detail.textContent()).toContain("postgresql");
    await shoot(page, "flow-trace-waterfall");

    // From the trace to the error that happened in it, and back.
    const errors = page.getByTestId("trace-errors");
    await errors.getByRole("link", { name: "OrderError: order 42 is gone" }).click();
    await page.getByTestId("issue-title").waitFor();
    expect(await page.getByTestId("issue-title").textContent()).toBe("OrderError: order 42 is gone");
    await page.getByRole("link", { name: /View the trace of this event/ }).click();
    await page.getByTestId("trace-waterfall").waitFor();
    expect(await page.getByTestId("trace-id").textContent()).toBe(slowest);
    await page.getByTestId("trace-errors").waitFor();
  });
});
