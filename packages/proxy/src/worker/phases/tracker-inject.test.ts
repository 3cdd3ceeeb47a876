import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type ProxyPool, startProxyPool } from "../../main/proxy-pool.ts";
import { routeSpecSchema } from "../../shared/route-spec.ts";
import { freePort, startUpstream } from "../../testing/test-servers.ts";
import { parseResponseHead } from "../response-parser.ts";
import { INJECT_MAX_BYTES, injectedResponse, wantsInjection } from "./tracker-inject.ts";

const TAG = '<script defer src="/_pier/script.js"></script>';
const page = "<!doctype html><html><head><title>Grüße</title></head><body>hi</body></html>";
const html = { "content-type": "text/html; charset=utf-8" };
const app = startUpstream("app", (req) => {
  const path = new URL(req.url).pathname;
  if (path === "/page") return new Response(page, { headers: html });
  if (path === "/json") return Response.json({ html: "</head>" });
  if (path === "/gzip")
    return new Response(Bun.gzipSync(page), { headers: { ...html, "content-encoding": "gzip" } });
  if (path === "/missing") return new Response(page, { status: 404, headers: html });
  if (path === "/big")
    return new Response(`<html><head></head>${"x".repeat(INJECT_MAX_BYTES)}</html>`, { headers: html });
  if (path === "/stream")
    return new Response(
      new ReadableStream({
        async start(c) {
          c.enqueue(new TextEncoder().encode(page));
          await Bun.sleep(20); // a later close makes Bun answer chunked
          c.close();
        },
      }),
      { headers: html },
    );
  return undefined;
});
const httpPort = freePort();
let pool: ProxyPool;

const get = (host: string, path: string, method = "GET") =>
  fetch(`http://127.0.0.1:${httpPort}${path}`, {
    method,
    headers: { host, "accept-encoding": "identity" },
    keepalive: false,
  });

beforeAll(async () => {
  pool = await startProxyPool({ workers: 2, httpPort, hostname: "127.0.0.1" });
  await pool.publishRoutes([
    routeSpecSchema.parse({ id: "on", host: "on.test", upstreams: [app.url], injectTracker: true }),
    routeSpecSchema.parse({ id: "off", host: "off.test", upstreams: [app.url] }),
  ]);
});

afterAll(async () => {
  await pool.stop();
  app.server.stop(true);
});

describe("tracker auto-injection in the worker", () => {
  test("an HTML page of a route with the flag gets the tag before </head> and a fixed length", async () => {
    const res = await get("on.test", "/page");
    const body = await res.text();
    expect(body).toBe(page.replace("</head>", `${TAG}</head>`));
    expect(Number(res.headers.get("content-length"))).toBe(Buffer.byteLength(body));
  });

  test("without the flag the page passes byte for byte", async () => {
    expect(await (await get("off.test", "/page")).text()).toBe(page);
  });

  test("non-HTML, compressed, non-200, oversized, chunked and HEAD answers pass untouched", async () => {
    expect(await (await get("on.test", "/json")).json()).toEqual({ html: "</head>" });
    const gz = await fetch(`http://127.0.0.1:${httpPort}/gzip`, {
      headers: { host: "on.test" },
      decompress: false,
    } as RequestInit);
    expect(Buffer.from(await gz.arrayBuffer()).equals(Buffer.from(Bun.gzipSync(page)))).toBe(true);
    expect(await (await get("on.test", "/missing")).text()).toBe(page);
    expect(await (await get("on.test", "/big")).text()).not.toContain(TAG);
    expect(await (await get("on.test", "/stream")).text()).toBe(page);
    const head = await get("on.test", "/page", "HEAD");
    expect(head.headers.get("content-length")).toBe(String(Buffer.byteLength(page)));
  });

  test("keep-alive framing stays right: two injected answers on one connection", async () => {
    const one = "GET /page HTTP/1.1\r\nhost: on.test\r\n\r\n";
    let got = "";
    const done = Promise.withResolvers<void>();
    const socket = await Bun.connect({
      hostname: "127.0.0.1",
      port: httpPort,
      socket: {
        data(_s, chunk) {
          got += chunk.toString("latin1");
          if (got.split(TAG).length === 3 && got.endsWith("</html>")) done.resolve();
        },
      },
    });
    socket.write(one + one);
    await Promise.race([done.promise, Bun.sleep(3_000)]);
    socket.end();
    expect(got.split("HTTP/1.1 200").length - 1).toBe(2);
    expect(got.split(TAG).length - 1).toBe(2);
  });
});

describe("pure parts", () => {
  const head = (lines: string) => parseResponseHead(Buffer.from(`HTTP/1.1 200 OK\r\n${lines}\r\n`))!;

  test("wantsInjection: 200, text/html, no content-encoding, Content-Length within the cap", () => {
    expect(wantsInjection(head("Content-Type: text/html\r\nContent-Length: 10\r\n"))).toBe(true);
    expect(
      wantsInjection(head("content-type: text/html\r\ncontent-encoding: br\r\ncontent-length: 10\r\n")),
    ).toBe(false);
    expect(wantsInjection(head("content-type: text/html\r\ntransfer-encoding: chunked\r\n"))).toBe(false);
    expect(
      wantsInjection(head(`content-type: text/html\r\ncontent-length: ${INJECT_MAX_BYTES + 1}\r\n`)),
    ).toBe(false);
    expect(wantsInjection(head("content-type: text/plain\r\ncontent-length: 10\r\n"))).toBe(false);
  });

  test("injectedResponse keeps non-UTF-8 bytes, replaces the length and drops hop-by-hop headers", () => {
    const body = Buffer.from([...Buffer.from("<head>"), 0xe9, ...Buffer.from("</head>")]);
    const out = injectedResponse(
      head('content-type: text/html\r\ncontent-length: 14\r\nconnection: keep-alive\r\netag: "x"\r\n'),
      body,
      true,
    );
    const text = out.toString("latin1");
    const [h, b] = text.split("\r\n\r\n") as [string, string];
    expect(b).toBe(`<head>\u00e9${TAG}</head>`);
    expect(h).toContain(`content-length: ${Buffer.byteLength(b, "latin1")}`);
    expect(h).toContain('etag: "x"');
    expect(h).not.toContain("keep-alive");
    expect(h.endsWith("connection: close")).toBe(true);
  });
});
