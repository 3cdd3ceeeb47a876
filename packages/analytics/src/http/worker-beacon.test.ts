import { expect, test } from "bun:test";
import { readBeacon } from "./worker-beacon.ts";

const chrome =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const post = (body: string, headers: Record<string, string> = {}) =>
  new Request("http://shop.test/_pier/event", {
    method: "POST",
    body,
    headers: { "user-agent": chrome, ...headers },
  });

test("a beacon becomes a raw record for the main thread, attributed to the app", async () => {
  const { beacon, response } = await readBeacon(
    post('{"n":"pageview","u":"/"}', { "cf-ipcountry": "de" }),
    "10.0.0.1",
    "shop.test",
    "app_1",
  );
  expect(response.status).toBe(202);
  expect(beacon).toEqual({
    body: '{"n":"pageview","u":"/"}',
    site: "app_1",
    host: "shop.test",
    clientIp: "10.0.0.1",
    userAgent: chrome,
    country: "DE",
  });
});

test("bots get a 202 and no record; oversized bodies a 413", async () => {
  const bot = await readBeacon(post("{}", { "user-agent": "Googlebot/2.1" }), "10.0.0.1", "shop.test", null);
  expect([bot.beacon, bot.response.status]).toEqual([null, 202]);
  const big = await readBeacon(post("x".repeat(9000)), "10.0.0.1", "shop.test", null);
  expect([big.beacon, big.response.status]).toEqual([null, 413]);
});
