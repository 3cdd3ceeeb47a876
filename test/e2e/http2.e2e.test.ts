import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import {
  constants,
  createServer as createH2cServer,
  type Http2Server,
  connect as h2connect,
  type IncomingHttpHeaders,
} from "node:http2";
import { requireService } from "@pier/testkit";
import type { Server } from "bun";
import { chromiumAvailable, launchChromium, watchPage } from "../support/chromium.ts";
import { grpcCall, grpcFrame, grpcMessages } from "../support/grpc-client.ts";
import {
  ERROR,
  FLAG,
  FRAME,
  frame,
  getRequestBlock,
  literalIndexed,
  RawH2,
  rstStream,
  settings,
} from "../support/h2-frames.ts";
import { type PierProcess, startPier } from "../support/pier-process.ts";

// HTTP/2 at the edge, tried from outside against the compiled binary: curl, nghttp and h2load
// (Debian nghttp2-client), node:http2 as a client, and raw frames for the attacks. Every load loop
// is bounded in count and time; all traffic stays on 127.0.0.1.

const tools = ["/usr/bin/curl", "/usr/bin/nghttp", "/usr/bin/h2load"];
const ready = requireService(
  "nghttp2-client",
  tools.every(existsSync) ? null : `one of ${tools.join(", ")} is missing`,
  "apt-get install -y curl nghttp2-client",
);

const HOST = "h2.pier.test";
/** Assets on the page Chromium loads: each one a stream of one connection. */
const ASSETS = 100;
const CONSOLE = "console.pier.test";
const token = `pier_h2${crypto.randomUUID().replaceAll("-", "")}`;
let aborted = 0;
let slowStarted = 0;
const upstream: Server<unknown> = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(req, server) {
    const url = new URL(req.url);
    if (url.pathname === "/ws" && server.upgrade(req, { data: undefined })) return undefined;
    if (url.pathname === "/echo") return new Response(await req.text());
    if (url.pathname === "/slow") {
      slowStarted++;
      // Held until the proxy gives up on it: a cancelled stream must cut this exchange.
      return new Promise<Response>((resolve) => {
        req.signal.addEventListener("abort", () => {
          aborted++;
          resolve(new Response("late"));
        });
      });
    }
    if (url.pathname === "/big") return new Response("b".repeat(64 * 1024));
    if (url.pathname === "/later") return Bun.sleep(1_000).then(() => new Response("later"));
    if (url.pathname === "/page") {
      const imgs = Array.from(
        { length: ASSETS },
        (_, i) => `<img src="/asset/${i}.svg" width="8" height="8">`,
      );
      return new Response(`<!doctype html><title>h2</title>${imgs.join("")}`, {
        headers: { "content-type": "text/html; charset=utf-8" },
      });
    }
    if (url.pathname.startsWith("/asset/")) {
      return new Response(
        `<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8" fill="#${url.pathname.length}0a"/></svg>`,
        {
          headers: { "content-type": "image/svg+xml", "cache-control": "no-store" },
        },
      );
    }
    return new Response(`hello ${url.pathname} proto=${req.headers.get("x-forwarded-proto")}`, {
      headers: { "set-cookie": "a=1", "x-upstream": "yes" },
    });
  },
  websocket: {
    message(ws, message) {
      ws.send(`echo:${message}`);
    },
  },
});

let pier: PierProcess;

async function run(cmd: string[]): Promise<{ out: string; code: number }> {
  const proc = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => proc.kill("SIGKILL"), 60_000);
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  clearTimeout(timer);
  return { out: out + err, code: await proc.exited };
}

const resolveArg = () => ["--resolve", `${HOST}:${pier.httpsPort}:127.0.0.1`];
const url = (path: string) => `https://${HOST}:${pier.httpsPort}${path}`;

/** Asks over a fresh curl whether the edge still answers h2 (another client, during an attack). */
async function curlH2(path = "/still"): Promise<string> {
  const r = await run([
    "curl",
    "-sk",
    "--http2",
    ...resolveArg(),
    url(path),
    "-w",
    " %{http_version} %{http_code}",
  ]);
  return r.out;
}

// One pier for the whole file (both describes), started only when the tools are there.
beforeAll(async () => {
  if (!ready) return;
  pier = await startPier({
    env: { PIER_ADMIN_TOKEN: token },
    args: ["--proxy-workers", "1", "--console-host", CONSOLE],
  });
  const res = await fetch(`${pier.url}/api/v1/routes`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ host: HOST, upstreams: [`http://127.0.0.1:${upstream.port}`] }),
  });
  expect(res.status).toBe(201);
});
afterAll(async () => {
  await pier?.stop();
  upstream.stop(true);
});

describe.skipIf(!ready)("HTTP/2 at the edge", () => {
  test("curl --http2 gets h2 by ALPN; an HTTP/1.1 client still gets HTTP/1.1", async () => {
    const h2 = await run([
      "curl",
      "-sk",
      "--http2",
      ...resolveArg(),
      url("/a?b=1"),
      "-D",
      "-",
      "-w",
      "\n%{http_version}",
    ]);
    expect(h2.out).toContain("HTTP/2 200");
    expect(h2.out).toContain("hello /a proto=https");
    expect(h2.out).toContain("set-cookie: a=1");
    expect(h2.out).toContain("x-upstream: yes");
    expect(h2.out.trim().endsWith("\n2")).toBe(true);
    const h1 = await run(["curl", "-sk", "--http1.1", ...resolveArg(), url("/a"), "-w", " %{http_version}"]);
    expect(h1.out).toBe("hello /a proto=https 1.1");
  });

  test("bodies both ways: a sized upload, a 64 KB answer, HEAD, and a 404 page for an unknown host", async () => {
    const echo = await run([
      "curl",
      "-sk",
      "--http2",
      ...resolveArg(),
      url("/echo"),
      "--data-binary",
      "x".repeat(100_000),
    ]);
    expect(echo.out).toBe("x".repeat(100_000));
    const big = await run([
      "curl",
      "-sk",
      "--http2",
      ...resolveArg(),
      url("/big"),
      "-o",
      "/dev/null",
      "-w",
      "%{size_download} %{http_version}",
    ]);
    expect(big.out).toBe("65536 2");
    const head = await run(["curl", "-sk", "--http2", "-I", ...resolveArg(), url("/big")]);
    expect(head.out).toContain("HTTP/2 200");
    expect(head.out).toContain("content-length: 65536");
    const unknown = await run([
      "curl",
      "-sk",
      "--http2",
      "--resolve",
      `nobody.pier.test:${pier.httpsPort}:127.0.0.1`,
      `https://nobody.pier.test:${pier.httpsPort}/`,
      "-o",
      "/dev/null",
      "-w",
      "%{http_version} %{http_code}",
    ]);
    expect(unknown.out).toBe("2 404");
  });

  test("a streamed upload without content-length (chunked to the upstream) over node:http2", async () => {
    const client = h2connect(`https://127.0.0.1:${pier.httpsPort}`, {
      rejectUnauthorized: false,
      servername: HOST,
    });
    try {
      const req = client.request({ ":method": "POST", ":path": "/echo", ":authority": HOST });
      for (let i = 0; i < 5; i++) req.write(`part${i};`);
      req.end();
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (c: string) => {
        body += c;
      });
      const status = await new Promise<number>((resolve) =>
        req.on("response", (h) => resolve(Number(h[":status"]))),
      );
      await new Promise((resolve) => req.on("end", resolve));
      expect(status).toBe(200);
      expect(body).toBe("part0;part1;part2;part3;part4;");
    } finally {
      client.close();
    }
  });

  test("nghttp: the server's SETTINGS (no extended CONNECT, no push) and 30 streams on one connection", async () => {
    const r = await run([
      "nghttp",
      "-nv",
      "-H",
      `:authority: ${HOST}`,
      `https://127.0.0.1:${pier.httpsPort}/one`,
    ]);
    expect(r.out).toContain("[SETTINGS_MAX_CONCURRENT_STREAMS(0x03):128]");
    expect(r.out).not.toContain("ENABLE_CONNECT_PROTOCOL");
    expect(r.out).not.toContain("PUSH_PROMISE");
    const paths = Array.from({ length: 30 }, (_, i) => `https://127.0.0.1:${pier.httpsPort}/s${i}`);
    const many = await run(["nghttp", "-ns", "-H", `:authority: ${HOST}`, ...paths]);
    expect(many.code).toBe(0);
    expect(many.out.match(/ 200 /g)?.length).toBe(30);
  });

  test("h2load: 8 connections × 10 streams, every request answered", async () => {
    const r = await run([
      "h2load",
      "-c",
      "8",
      "-m",
      "10",
      "-n",
      "3000",
      "-H",
      `:authority: ${HOST}`,
      `https://127.0.0.1:${pier.httpsPort}/load`,
    ]);
    expect(r.out).toContain("3000 succeeded, 0 failed, 0 errored, 0 timeout");
    expect(r.out).toContain("status codes: 3000 2xx");
  });

  test("a stream the client cancels (RST_STREAM) cuts its upstream exchange; the connection goes on", async () => {
    const client = h2connect(`https://127.0.0.1:${pier.httpsPort}`, {
      rejectUnauthorized: false,
      servername: HOST,
    });
    try {
      const before = aborted;
      const started = slowStarted;
      const slow = client.request({ ":path": "/slow", ":authority": HOST });
      slow.on("error", () => {});
      const deadline = performance.now() + 5_000;
      while (slowStarted === started && performance.now() < deadline) await Bun.sleep(10);
      expect(slowStarted).toBe(started + 1);
      slow.close(constants.NGHTTP2_CANCEL);
      while (aborted === before && performance.now() < deadline) await Bun.sleep(10);
      expect(aborted).toBe(before + 1);
      const next = client.request({ ":path": "/after", ":authority": HOST });
      let body = "";
      next.setEncoding("utf8");
      next.on("data", (c: string) => {
        body += c;
      });
      await new Promise((resolve) => next.on("end", resolve));
      expect(body).toBe("hello /after proto=https");
    } finally {
      client.close();
    }
  });

  test("streams past SETTINGS_MAX_CONCURRENT_STREAMS are refused (REFUSED_STREAM)", async () => {
    const raw = await RawH2.open(pier.httpsPort, HOST);
    try {
      await raw.handshake();
      const frames: Buffer[] = [];
      for (let i = 0; i < 140; i++) {
        frames.push(
          frame(FRAME.HEADERS, FLAG.END_STREAM | FLAG.END_HEADERS, 2 * i + 1, getRequestBlock(HOST, "/slow")),
        );
      }
      raw.write(Buffer.concat(frames));
      const refused = () =>
        raw.frames.filter((f) => f.type === FRAME.RST_STREAM && f.payload.readUInt32BE(0) === 0x7);
      expect(await raw.until(() => refused().length >= 12)).toBe(true);
      expect(raw.goaway()).toBeNull();
    } finally {
      raw.close();
    }
  });

  describe("attacks, answered per RFC 9113 without hurting other clients", () => {
    async function attack(bytes: Buffer): Promise<RawH2> {
      const raw = await RawH2.open(pier.httpsPort, HOST);
      await raw.handshake();
      raw.write(bytes);
      await raw.until(() => raw.closed, 5_000);
      return raw;
    }

    test("rapid reset (CVE-2023-44487): GOAWAY(ENHANCE_YOUR_CALM), another client unaffected", async () => {
      const frames: Buffer[] = [];
      for (let i = 0; i < 1000; i++) {
        const id = 2 * i + 1;
        frames.push(
          frame(FRAME.HEADERS, FLAG.END_STREAM | FLAG.END_HEADERS, id, getRequestBlock(HOST, "/slow")),
        );
        frames.push(rstStream(id));
      }
      const raw = await attack(Buffer.concat(frames));
      expect(raw.goaway()?.code).toBe(ERROR.ENHANCE_YOUR_CALM);
      expect(raw.closed).toBe(true);
      expect(await curlH2()).toBe("hello /still proto=https 2 200");
    });

    test("CONTINUATION flood: a header block that never ends is cut off", async () => {
      const frames = [frame(FRAME.HEADERS, FLAG.END_STREAM, 1, getRequestBlock(HOST, "/c"))];
      const junk = Buffer.from(literalIndexed("x-flood", "y".repeat(200)));
      for (let i = 0; i < 2000; i++) frames.push(frame(FRAME.CONTINUATION, 0, 1, junk));
      const raw = await attack(Buffer.concat(frames));
      expect(raw.goaway()?.code).toBe(ERROR.ENHANCE_YOUR_CALM);
      expect(raw.closed).toBe(true);
      expect(await curlH2()).toBe("hello /still proto=https 2 200");
    });

    test("SETTINGS flood: GOAWAY(ENHANCE_YOUR_CALM) instead of an answer for each", async () => {
      const raw = await attack(Buffer.concat(Array.from({ length: 5000 }, () => settings([[0x4, 65535]]))));
      expect(raw.goaway()?.code).toBe(ERROR.ENHANCE_YOUR_CALM);
      expect(raw.closed).toBe(true);
      expect(await curlH2()).toBe("hello /still proto=https 2 200");
    });

    test("HPACK bomb: a small block that decodes past the header list limit gets no answer from the app", async () => {
      // One 4 KB field enters the dynamic table, then 12,000 one-byte references to it: 48 MB decoded.
      const block = Buffer.concat([
        getRequestBlock(HOST, "/bomb"),
        Buffer.from(literalIndexed("x-bomb", "z".repeat(4000))),
        Buffer.alloc(12_000, 0xbe),
      ]);
      const raw = await RawH2.open(pier.httpsPort, HOST);
      try {
        await raw.handshake();
        raw.write(frame(FRAME.HEADERS, FLAG.END_STREAM | FLAG.END_HEADERS, 1, block));
        const refused = () =>
          raw.closed ||
          raw.goaway() !== null ||
          raw.frames.some((f) => f.type === FRAME.RST_STREAM && f.streamId === 1);
        expect(await raw.until(refused)).toBe(true);
        expect(raw.frames.some((f) => f.type === FRAME.HEADERS && f.streamId === 1)).toBe(false);
      } finally {
        raw.close();
      }
      expect(await curlH2()).toBe("hello /still proto=https 2 200");
    });
  });
});

/** A gRPC-shaped server over node:http2 without TLS (h2c), as a gRPC service in a container is. */
describe.skipIf(!ready)("gRPC through pier: HTTP/2 to the edge, h2c to the upstream", () => {
  const GRPC_HOST = "grpc.pier.test";
  let grpc: Http2Server;
  let grpcPort = 0;
  let seenHeaders: IncomingHttpHeaders | null = null;
  let cancelled = 0;

  beforeAll(async () => {
    grpc = createH2cServer();
    grpc.on("stream", (stream, headers) => {
      seenHeaders = headers;
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("close", () => {
        if (stream.rstCode === constants.NGHTTP2_CANCEL) cancelled++;
      });
      stream.on("end", () => {
        const method = String(headers[":path"]);
        const [name] = grpcMessages(Buffer.concat(chunks));
        if (headers["content-type"] !== "application/grpc") {
          stream.respond({ ":status": 415 });
          stream.end();
          return;
        }
        if (method === "/demo.Greeter/Missing") {
          // Trailers-only answer: the status in the one HEADERS frame.
          stream.respond(
            {
              ":status": 200,
              "content-type": "application/grpc",
              "grpc-status": "5",
              "grpc-message": "no such thing",
            },
            { endStream: true },
          );
          return;
        }
        if (method === "/demo.Greeter/Hang") return;
        stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
        stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0", "grpc-message": "OK" }));
        const count = method === "/demo.Greeter/Stream" ? 50 : 1;
        for (let i = 0; i < count; i++) stream.write(grpcFrame(`hello ${name} #${i}`));
        stream.end();
      });
    });
    await new Promise<void>((resolve) => grpc.listen(0, "127.0.0.1", () => resolve()));
    grpcPort = (grpc.address() as { port: number }).port;
    const res = await fetch(`${pier.url}/api/v1/routes`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({
        host: GRPC_HOST,
        upstreams: [`http://127.0.0.1:${grpcPort}`],
        upstreamProtocol: "h2c",
      }),
    });
    expect(res.status).toBe(201);
  });
  afterAll(() => grpc?.close());

  const call = (path: string, message: string) => grpcCall(pier.httpsPort, GRPC_HOST, path, message);

  test("a unary call: application/grpc both ways, grpc-status in the trailers, forwarding headers added", async () => {
    const r = await call("/demo.Greeter/SayHello", "ada");
    expect(Number(r.headers[":status"])).toBe(200);
    expect(r.headers["content-type"]).toBe("application/grpc");
    expect(r.messages).toEqual(["hello ada #0"]);
    expect(r.trailers["grpc-status"]).toBe("0");
    expect(r.trailers["grpc-message"]).toBe("OK");
    expect(seenHeaders?.te).toBe("trailers");
    expect(seenHeaders?.["x-forwarded-proto"]).toBe("https");
    expect(seenHeaders?.["x-forwarded-for"]).toBe("127.0.0.1");
    expect(seenHeaders?.[":authority"]).toBe(GRPC_HOST);
  });

  test("a server stream of 50 messages, and a trailers-only error status", async () => {
    const s = await call("/demo.Greeter/Stream", "bo");
    expect(s.messages.length).toBe(50);
    expect(s.messages[49]).toBe("hello bo #49");
    expect(s.trailers["grpc-status"]).toBe("0");
    const missing = await call("/demo.Greeter/Missing", "x");
    expect(missing.headers["grpc-status"]).toBe("5");
    expect(missing.headers["grpc-message"]).toBe("no such thing");
  });

  test("a cancelled call cancels the upstream stream", async () => {
    const client = h2connect(`https://127.0.0.1:${pier.httpsPort}`, {
      rejectUnauthorized: false,
      servername: GRPC_HOST,
    });
    try {
      const before = cancelled;
      const req = client.request({
        ":method": "POST",
        ":path": "/demo.Greeter/Hang",
        ":authority": GRPC_HOST,
        "content-type": "application/grpc",
        te: "trailers",
      });
      req.on("error", () => {});
      req.end(grpcFrame("wait"));
      await Bun.sleep(200);
      req.close(constants.NGHTTP2_CANCEL);
      const deadline = performance.now() + 5_000;
      while (cancelled === before && performance.now() < deadline) await Bun.sleep(10);
      expect(cancelled).toBe(before + 1);
    } finally {
      client.close();
    }
  });

  test("an HTTP/1.1 client on an h2c route gets a 502 that says why", async () => {
    const r = await run([
      "curl",
      "-sk",
      "--http1.1",
      "--resolve",
      `${GRPC_HOST}:${pier.httpsPort}:127.0.0.1`,
      `https://${GRPC_HOST}:${pier.httpsPort}/demo.Greeter/SayHello`,
      "-w",
      "\n%{http_code}",
    ]);
    expect(r.out).toContain("HTTP/2 only");
    expect(r.out.trim().endsWith("502")).toBe(true);
  });
});

describe.skipIf(!ready || !chromiumAvailable())("Chromium over HTTP/2", () => {
  test(`a page with ${ASSETS} assets loads over h2 (Performance API nextHopProtocol)`, async () => {
    const browser = await launchChromium([
      `--host-resolver-rules=MAP ${HOST} 127.0.0.1`,
      "--ignore-certificate-errors",
    ]);
    try {
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      const page = watchPage(await context.newPage());
      // Chromium drops a page's requests with ERR_NETWORK_CHANGED when an interface comes or goes
      // (other suites' containers on a shared machine): such a load is tried again, whole.
      const load = async () => {
        await page.goto(url("/page"), { waitUntil: "load" });
        return page.evaluate(() => ({
          page: (performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming)
            .nextHopProtocol,
          assets: (performance.getEntriesByType("resource") as PerformanceResourceTiming[]).map((e) => ({
            name: e.name,
            protocol: e.nextHopProtocol,
          })),
          loaded: [...document.images].filter((img) => img.complete && img.naturalWidth === 8).length,
        }));
      };
      let seen = await load();
      for (let attempt = 1; attempt < 3 && seen.loaded < ASSETS; attempt++) seen = await load();
      expect(seen.page).toBe("h2");
      const assets = seen.assets.filter((a) => a.name.includes("/asset/"));
      expect(assets.length).toBe(ASSETS);
      expect(assets.filter((a) => a.protocol === "h2").length).toBe(ASSETS);
      expect(seen.loaded).toBe(ASSETS);
      // No extended CONNECT is advertised, so the page's WebSocket opens over HTTP/1.1 beside the
      // h2 connection (RFC 8441 §3) and works.
      const echoed = await page.evaluate(
        (wsUrl) =>
          new Promise<string>((resolve, reject) => {
            const ws = new WebSocket(wsUrl);
            ws.onopen = () => ws.send("ping");
            ws.onmessage = (e) => {
              resolve(String(e.data));
              ws.close();
            };
            ws.onerror = () => reject(new Error("the WebSocket did not open"));
          }),
        `wss://${HOST}:${pier.httpsPort}/ws`,
      );
      expect(echoed).toBe("echo:ping");
    } finally {
      await browser.close();
    }
  });
});

// Last in the file: it stops the pier the other tests share.
describe.skipIf(!ready)("stopping pier with HTTP/2 connections open", () => {
  test("the drain sends GOAWAY and the stream in flight still gets its whole answer", async () => {
    const client = h2connect(`https://127.0.0.1:${pier.httpsPort}`, {
      rejectUnauthorized: false,
      servername: HOST,
    });
    try {
      let goaway = false;
      client.on("goaway", () => {
        goaway = true;
      });
      client.on("error", () => {});
      const req = client.request({ ":path": "/later", ":authority": HOST });
      let status = 0;
      let body = "";
      req.on("response", (h) => {
        status = Number(h[":status"]);
      });
      req.setEncoding("utf8");
      req.on("data", (c: string) => {
        body += c;
      });
      const ended = new Promise((resolve, reject) => {
        req.on("end", resolve);
        req.on("error", reject);
      });
      await Bun.sleep(300);
      pier.proc.kill("SIGTERM");
      await ended;
      expect(status).toBe(200);
      expect(body).toBe("later");
      expect(goaway).toBe(true);
      expect(await pier.proc.exited).toBe(0);
    } finally {
      client.close();
    }
  });
});
