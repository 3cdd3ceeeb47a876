import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type ProxyPool, startProxyPool } from "../../../main/proxy-pool.ts";
import type { RawBeacon } from "../../../shared/edge/raw-beacon.ts";
import { routeSpecSchema } from "../../../shared/route-spec.ts";
import { fakeSession } from "../../../testing/fake-session.ts";
import { freePort, startUpstream } from "../../../testing/test-servers.ts";
import { answerBeacon, isBeaconRequest, pickHeaders, takeBeacon } from "./beacon-ingest.ts";

const chrome =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const app = startUpstream("app");
const internal = startUpstream("console");
const httpPort = freePort();
const received: RawBeacon[] = [];
const batches: number[] = [];
let pool: ProxyPool;

function post(host: string, body: string, headers: Record<string, string> = {}) {
  return fetch(`http://127.0.0.1:${httpPort}/_pier/event`, {
    method: "POST",
    body,
    headers: { host, "user-agent": chrome, "content-type": "text/plain", ...headers },
    keepalive: false,
  });
}

async function waitFor(count: number): Promise<void> {
  const until = Date.now() + 3_000;
  while (received.length < count && Date.now() < until) await Bun.sleep(20);
}

beforeAll(async () => {
  pool = await startProxyPool({
    workers: 2,
    httpPort,
    hostname: "127.0.0.1",
    internalUpstream: internal.url,
    beaconFlushMs: 50,
    beaconBatchSize: 8,
  });
  await pool.publishRoutes([
    routeSpecSchema.parse({ id: "shop", host: "shop.test", upstreams: [app.url], appId: "app_1" }),
    routeSpecSchema.parse({ id: "docs", host: "docs.test", upstreams: [app.url] }),
  ]);
  await pool.setBeaconHandler((beacons) => {
    batches.push(beacons.length);
    received.push(...beacons);
  });
});

afterAll(async () => {
  await pool.stop();
  app.server.stop(true);
  internal.server.stop(true);
});

describe("beacons answered by the worker", () => {
  test("a valid beacon gets 202 and reaches the handler as a raw record, not the console", async () => {
    const seenBefore = internal.seen.length;
    const res = await post("shop.test:8080", '{"n":"pageview","u":"http://shop.test/"}', {
      "CF-IPCountry": "de",
    });
    expect(res.status).toBe(202);
    const other = await post("docs.test", '{"n":"signup","u":"http://docs.test/a","p":{"plan":"pro"}}');
    expect(other.status).toBe(202);
    await waitFor(2);
    const byHost = Object.fromEntries(received.map((b) => [b.host, b]));
    expect(byHost["shop.test"]).toEqual({
      body: '{"n":"pageview","u":"http://shop.test/"}',
      site: "app_1",
      host: "shop.test",
      clientIp: "127.0.0.1",
      userAgent: chrome,
      country: "DE",
    });
    expect(byHost["docs.test"]?.site).toBe("docs.test");
    expect(internal.seen.length).toBe(seenBefore);
  });

  test("invalid beacons get 400 and oversized ones 413, without a record", async () => {
    received.length = 0;
    const bad = await post("shop.test", '{"n":"pageview"}');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("invalid_event");
    expect((await post("shop.test", "x".repeat(9_000))).status).toBe(413);
    await Bun.sleep(150);
    expect(received).toEqual([]);
  });

  test("pipelined beacons on one connection, bodies split across packets, batched to the main thread", async () => {
    received.length = 0;
    batches.length = 0;
    const body = '{"n":"pageview","u":"http://shop.test/p"}';
    const one = `POST /_pier/event HTTP/1.1\r\nhost: shop.test\r\nuser-agent: ${chrome}\r\ncontent-length: ${body.length}\r\n\r\n${body}`;
    const count = 20;
    const wire = one.repeat(count);
    let answers = "";
    const done = Promise.withResolvers<void>();
    const socket = await Bun.connect({
      hostname: "127.0.0.1",
      port: httpPort,
      socket: {
        data(_s, chunk) {
          answers += chunk.toString();
          if (answers.split("HTTP/1.1 202").length - 1 === count) done.resolve();
        },
      },
    });
    // Cut mid-body and mid-head so both the head parser and the body reader see partial input.
    for (let at = 0; at < wire.length; at += 97) {
      socket.write(wire.slice(at, at + 97));
      await Bun.sleep(1);
    }
    await Promise.race([done.promise, Bun.sleep(3_000)]);
    socket.end();
    expect(answers.split("HTTP/1.1 202").length - 1).toBe(count);
    await waitFor(count);
    expect(received.length).toBe(count);
    expect(received.every((b) => b.body === body)).toBe(true);
    expect(Math.max(...batches)).toBeLessThanOrEqual(8);
  });

  test("other /_pier/ paths and GET on the event path still go to the console", async () => {
    const script = await fetch(`http://127.0.0.1:${httpPort}/_pier/script.js`, {
      headers: { host: "shop.test" },
    });
    expect(((await script.json()) as { name: string }).name).toBe("console");
    const get = await fetch(`http://127.0.0.1:${httpPort}/_pier/event`, { headers: { host: "shop.test" } });
    expect(((await get.json()) as { name: string }).name).toBe("console");
  });

  test("without a handler the worker forwards beacons to the console again", async () => {
    await pool.setBeaconHandler(null);
    try {
      const res = await post("shop.test", '{"n":"pageview","u":"/"}');
      const answer = (await res.json()) as { name: string; headers: Record<string, string> };
      expect(answer.name).toBe("console");
      expect(answer.headers["x-pier-app"]).toBe("app_1");
    } finally {
      await pool.setBeaconHandler((beacons) => received.push(...beacons));
    }
  });
});

describe("pure helpers", () => {
  test("only POST /_pier/event (with or without a query) and not chunked is a worker beacon", () => {
    expect(isBeaconRequest("POST", "/_pier/event", false)).toBe(true);
    expect(isBeaconRequest("POST", "/_pier/event?x=1", false)).toBe(true);
    expect(isBeaconRequest("POST", "/_pier/events", false)).toBe(false);
    expect(isBeaconRequest("GET", "/_pier/event", false)).toBe(false);
    expect(isBeaconRequest("POST", "/_pier/event", true)).toBe(false);
  });

  test("pickHeaders finds names case-insensitively and keeps the value's case", () => {
    const kept = "Accept: */*\r\nUser-Agent:  Mozilla/5.0 X \r\nx-country-code: fr\r\n";
    const h = pickHeaders(kept, ["user-agent", "x-country-code", "cf-ipcountry"]);
    expect(h.get("user-agent")).toBe("Mozilla/5.0 X");
    expect(h.get("x-country-code")).toBe("fr");
    expect(h.has("cf-ipcountry")).toBe(false);
  });
});

describe("takeBeacon filter", () => {
  const routes = [{ id: "r", host: "a.test", appId: "app_1", upstreams: ["http://127.0.0.1:3001"] }];
  const beacon = (length: number) =>
    `POST /_pier/event HTTP/1.1\nHost: a.test\nContent-Length: ${length}\n\n`;

  test("with a collector, a beacon's body is read by the front; one declared over 8 KB is refused at once", () => {
    const s = fakeSession(beacon(120), { routes, beacons: true });
    expect(takeBeacon(s)).toBe(true);
    expect(s.beaconBytes).toBe(120);
    const big = fakeSession(beacon(8 * 1024 + 1), { routes, beacons: true });
    expect(takeBeacon(big)).toBe(true);
    expect(big.answered?.res.status).toBe(413);
    expect(big.answered).toMatchObject({ closeForBody: true, record: true });
  });

  test("without a collector, and for chunked beacons, the request goes on (to the console)", () => {
    expect(takeBeacon(fakeSession(beacon(10), { routes }))).toBe(false);
    const chunked = "POST /_pier/event HTTP/1.1\nHost: a.test\nTransfer-Encoding: chunked\n\n";
    expect(takeBeacon(fakeSession(chunked, { routes, beacons: true }))).toBe(false);
  });

  test("answerBeacon hands an accepted beacon to the sink with the route's app and the client's headers", () => {
    const got: RawBeacon[] = [];
    const kept = `User-Agent: ${chrome}\r\nCF-IPCountry: de\r\n`;
    const ok = answerBeacon('{"n":"pageview","u":"/"}', kept, "a.test", "app_1", "10.0.0.9", (b) =>
      got.push(b),
    );
    expect(ok.status).toBe(202);
    expect(got).toEqual([
      {
        body: '{"n":"pageview","u":"/"}',
        site: "app_1",
        host: "a.test",
        clientIp: "10.0.0.9",
        userAgent: chrome,
        country: "DE",
      },
    ]);
    const bad = answerBeacon("{", kept, "a.test", null, "10.0.0.9", (b) => got.push(b));
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error.code).toBe("invalid_event");
    expect(got.length).toBe(1);
  });
});
