import { expect, test } from "bun:test";
import { acceptBeacon } from "./accept-beacon.ts";

const chrome =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const raw = (body: string, userAgent = chrome, site = "app_1") => ({
  body,
  site,
  host: "shop.test",
  clientIp: "10.0.0.1",
  userAgent,
  country: null,
});

test("a valid beacon is accepted with its raw record, a bot's too (the main thread counts and drops it)", () => {
  const ok = raw('{"n":"pageview","u":"http://shop.test/"}');
  expect(acceptBeacon(ok)).toEqual({ status: 202, beacon: ok });
  const bot = raw('{"n":"pageview","u":"/"}', "Googlebot/2.1");
  expect(acceptBeacon(bot)).toEqual({ status: 202, beacon: bot });
});

test("invalid JSON, unknown keys, a missing site and oversized bodies are refused like on the console", () => {
  expect(acceptBeacon(raw("not json")).status).toBe(400);
  expect(acceptBeacon(raw('{"n":"x","u":"/","zz":1}')).status).toBe(400);
  expect(acceptBeacon(raw('{"n":"x","u":"/"}', chrome, "")).status).toBe(400);
  expect(acceptBeacon(raw(`{"n":"x","u":"${"a".repeat(9000)}"}`)).status).toBe(413);
});

test("NUL characters in the name, URL, referrer or props are refused; a literal backslash-u0000 is not", () => {
  for (const body of [
    { n: "sign\u0000up", u: "/" },
    { n: "pageview", u: "/a\u0000b" },
    { n: "pageview", u: "/", r: "\u0000" },
    { n: "e", u: "/", p: { "k\u0000": 1 } },
    { n: "e", u: "/", p: { k: "v\u0000" } },
  ])
    expect(acceptBeacon(raw(JSON.stringify(body)))).toMatchObject({ status: 400, code: "invalid_event" });
  expect(acceptBeacon(raw(JSON.stringify({ n: "pageview", u: "/\\u0000" }))).status).toBe(202);
});
