import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Server } from "bun";
import { testClickHouse } from "../support/clickhouse.ts";
import { type PierProcess, startPier } from "../support/pier-process.ts";

// pier serve with PIER_CLICKHOUSE_URL: beacons through the proxy land in ClickHouse and the same
// JSON API answers from it. Needs a local clickhouse-server (Debian package, 18.16).
const clickhouse = await testClickHouse("analytics_e2e");
const database = clickhouse.freshDatabase();
const adminToken = `pier_chanalytics${crypto.randomUUID().replaceAll("-", "")}`;
const userAgent =
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15";

let pier: PierProcess;
let upstream: Server<unknown>;

beforeAll(async () => {
  if (!clickhouse.available) return;
  upstream = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("<html></html>") });
  pier = await startPier({
    env: { PIER_ADMIN_TOKEN: adminToken, PIER_CLICKHOUSE_URL: `${clickhouse.url}/${database}` },
    args: ["--proxy-workers", "1"],
  });
  const res = await fetch(`${pier.url}/api/v1/routes`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ host: "ch.test", upstreams: [`http://127.0.0.1:${upstream.port}`] }),
  });
  expect(res.status).toBe(201);
});

afterAll(async () => {
  await pier?.stop();
  upstream?.stop(true);
  await clickhouse.dropDatabases();
});

describe.skipIf(!clickhouse.available)("analytics on ClickHouse through pier serve", () => {
  test("beacons through the proxy are stored in ClickHouse and queried with the same API", async () => {
    // Status and body together, so a refusal says why in the failure.
    const beacon = async (body: object, ip: string) => {
      const res = await fetch(`http://127.0.0.1:${pier.httpPort}/_pier/event`, {
        method: "POST",
        headers: { host: "ch.test", "user-agent": `${userAgent} ${ip}`, "cf-ipcountry": "FR" },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: await res.text() };
    };
    for (const [visitor, path] of [
      ["a", "/"],
      ["a", "/docs"],
      ["b", "/"],
    ] as const) {
      expect(
        await beacon({ n: "pageview", u: `http://ch.test${path}`, r: "https://www.bing.com/" }, visitor),
      ).toEqual({ status: 202, body: "" });
    }
    expect(await beacon({ n: "signup", u: "http://ch.test/docs", p: { plan: "pro" } }, "a")).toEqual({
      status: 202,
      body: "",
    });
    const get = async (path: string) =>
      (
        await fetch(`${pier.url}/api/v1/analytics/ch.test${path}`, {
          headers: { authorization: `Bearer ${adminToken}` },
        })
      ).json();
    const deadline = Date.now() + 10_000;
    let overview = (await get("/overview?period=day")).overview;
    while (overview.pageviews < 3 && Date.now() < deadline) {
      await Bun.sleep(200);
      overview = (await get("/overview?period=day")).overview;
    }
    expect(overview).toMatchObject({ visitors: 2, visits: 2, pageviews: 3, bounceRate: 0.5 });
    expect((await get("/breakdown/source?period=day")).rows[0]).toMatchObject({ value: "Bing", visitors: 2 });
    expect((await get("/breakdown/country?period=day")).rows[0]).toMatchObject({ value: "FR", visitors: 2 });
    expect((await get("/events?period=day")).events).toEqual([{ name: "signup", visitors: 1, events: 1 }]);
    const status = await (
      await fetch(`${pier.url}/api/v1/analytics`, { headers: { authorization: `Bearer ${adminToken}` } })
    ).json();
    expect(status.store).toBe("clickhouse");
  }, 30_000);
});
