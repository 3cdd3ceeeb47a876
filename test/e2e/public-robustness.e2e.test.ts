import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { databaseBackends } from "../support/database-backends.ts";
import { call, type Outcome } from "../support/http-outcome.ts";
import { type PierProcess, startPier } from "../support/pier-process.ts";

// The sibling of api-robustness for the endpoints anyone can reach: Sentry ingest (console and app
// host), analytics beacons (console and proxy worker), the OpenAI-compatible gateway with a pier AI
// key, and public status pages. Bad input gets a 4xx with a clear error, never a 5xx or a hang; the
// server stays up, and nothing a rejected request carried is counted or stored: a good request of
// each kind, sent last, is the control that shows the counters do move.

const appHost = "pub.example.test";
const statusHost = "status.pub.test";
const browserUa =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";
const threeMiB = "x".repeat(3 * 1024 * 1024);

/** A body sent without Content-Length (chunked), so a limit has to be enforced while reading. */
function chunked(bytes: number, prefix = "", suffix = ""): ReadableStream<Uint8Array> {
  const chunk = new Uint8Array(64 * 1024).fill(120);
  let sent = -1;
  return new ReadableStream({
    pull(controller) {
      if (sent === -1) {
        sent = 0;
        return controller.enqueue(new TextEncoder().encode(prefix));
      }
      if (sent >= bytes) {
        controller.enqueue(new TextEncoder().encode(suffix));
        return controller.close();
      }
      sent += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
}

/** What is wrong with an answer to a bad request, or null when it is a clear 4xx JSON error. */
function problemWith(o: Outcome, opts: { allow?: number[]; json?: boolean } = {}): string | null {
  if (opts.allow?.includes(o.status)) return null;
  if (o.status < 400 || o.status >= 500) return `status ${o.status}`;
  if (opts.json === false) return null;
  if (!o.contentType.includes("application/json")) return `content-type ${o.contentType}`;
  const error = (o.body as { error?: { code?: unknown; message?: unknown } })?.error;
  if (typeof error?.code !== "string" || !error.code) return "no error.code";
  if (typeof error.message !== "string" || !error.message.trim()) return "no error.message";
  return null;
}

interface Case {
  label: string;
  url: string;
  init: RequestInit;
  /** Statuses that are a clear answer too (a 405 without a body, a 200 Sentry answers as well). */
  allow?: number[];
  json?: boolean;
  status?: number;
}

async function runCases(cases: Case[]): Promise<string[]> {
  const problems: string[] = [];
  for (let i = 0; i < cases.length; i += 6) {
    await Promise.all(
      cases.slice(i, i + 6).map(async (c) => {
        try {
          const o = await call(c.url, c.init);
          const problem =
            c.status !== undefined && o.status !== c.status && !c.allow?.includes(o.status)
              ? `status ${o.status}, expected ${c.status}`
              : problemWith(o, c);
          if (problem) problems.push(`[${c.label}] ${problem} ${JSON.stringify(o.body).slice(0, 200)}`);
        } catch (error) {
          problems.push(`[${c.label}] ${(error as Error).message}`);
        }
      }),
    );
  }
  return problems;
}

const eventId = () => crypto.randomUUID().replaceAll("-", "");
const sentryEvent = (message: string) =>
  JSON.stringify({ event_id: eventId(), message, level: "error", platform: "node" });
const envelope = (header: object, ...items: [object, string][]) =>
  [JSON.stringify(header), ...items.flatMap(([h, p]) => [JSON.stringify(h), p])].join("\n");

const backends = databaseBackends("pier_public");

for (const backend of backends) {
  describe(`public endpoints robustness (${backend.name})`, () => {
    const token = `pier_public${crypto.randomUUID().replaceAll("-", "")}`;
    let pier: PierProcess;
    let proxy = "";
    let project = { id: 0, publicKey: "" };
    let aiKey = "";
    /** A fake OpenAI upstream: a request reaching it means the gateway let a bad one through. */
    let upstreamHits = 0;
    const upstream = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      async fetch(request) {
        upstreamHits++;
        const body = (await request.json()) as { model: string };
        if (new URL(request.url).pathname.endsWith("/embeddings"))
          return Response.json({
            object: "list",
            data: [{ object: "embedding", index: 0, embedding: [0.1] }],
            model: body.model,
            usage: { prompt_tokens: 1, total_tokens: 1 },
          });
        return Response.json({
          id: "chatcmpl-1",
          object: "chat.completion",
          created: 0,
          model: body.model,
          choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        });
      },
    });

    async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
      const o = await call(`${pier.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (o.status >= 300) throw new Error(`${method} ${path} -> ${o.status} ${JSON.stringify(o.body)}`);
      return o.body as T;
    }
    const issueTotal = async () =>
      (await api<{ total: number }>("GET", `/api/v1/errors/issues?project=${project.id}`)).total;
    const analyticsAccepted = async () =>
      (await api<{ ingest: { accepted: number } }>("GET", "/api/v1/analytics")).ingest.accepted;
    const aiUsage = async () =>
      (await api<{ usage: unknown[] }>("GET", "/api/v1/ai/usage?limit=200")).usage.length;
    async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
      const deadline = Date.now() + ms;
      let value = await read();
      while (!ok(value) && Date.now() < deadline) {
        await Bun.sleep(100);
        value = await read();
      }
      return value;
    }

    beforeAll(async () => {
      pier = await startPier({
        env: { PIER_ADMIN_TOKEN: token, ...(await backend.env()) },
        args: ["--proxy-workers", "1"],
      });
      proxy = `http://127.0.0.1:${pier.httpPort}`;
      await api("POST", "/api/v1/apps", { name: "pub-app" });
      // A static route: an app host answers 404 "Unknown host" until the app has a deployment.
      await api("POST", "/api/v1/routes", { host: appHost, upstreams: ["http://127.0.0.1:9"] });
      ({ project } = await api<{ project: typeof project }>("POST", "/api/v1/errors/projects", {
        name: "pub",
      }));
      await api("POST", "/api/v1/ai/providers", {
        name: "fake",
        kind: "openai-compatible",
        baseUrl: `http://127.0.0.1:${upstream.port}/v1`,
        models: ["m1"],
      });
      ({ secret: aiKey } = await api<{ secret: string }>("POST", "/api/v1/ai/keys", {
        name: "pub",
        app: "pub-app",
        allowedModels: ["fake/m1"],
      }));
      await api("POST", "/api/v1/monitors", {
        name: "pub-mon",
        target: "http://127.0.0.1:9/",
        intervalSeconds: 3600,
        enabled: false,
      });
      await api("POST", "/api/v1/status-pages", {
        slug: "pub-status",
        title: "Pub",
        host: statusHost,
        monitors: ["pub-mon"],
      });
    }, 60_000);
    afterAll(async () => {
      await pier?.stop();
      upstream.stop(true);
    });

    test("Sentry ingest: bad envelopes, bodies, encodings, keys and project ids are 4xx; nothing is stored", async () => {
      const before = await issueTotal();
      const auth = `Sentry sentry_version=7, sentry_key=${project.publicKey}, sentry_client=robust/1`;
      const dsn = `http://${project.publicKey}@127.0.0.1:${pier.consolePort}/${project.id}`;
      const good = envelope({ event_id: eventId(), dsn }, [{ type: "event" }, sentryEvent("kept")]);
      const bases = [
        { where: "console", base: pier.url, prefix: "", headers: {} as Record<string, string> },
        { where: "app host", base: proxy, prefix: "/_pier", headers: { host: appHost } },
      ];
      const cases: Case[] = [];
      for (const { where, base, prefix, headers } of bases) {
        const envelopeUrl = `${base}${prefix}/api/${project.id}/envelope/`;
        const storeUrl = `${base}${prefix}/api/${project.id}/store/`;
        const post = (label: string, url: string, body: BodyInit, extra: Record<string, string> = {}) =>
          cases.push({
            label: `${where} ${label}`,
            url,
            init: { method: "POST", headers: { ...headers, "x-sentry-auth": auth, ...extra }, body },
          });
        // Envelopes
        post("envelope: header not JSON", envelopeUrl, `{"event_id":\n{"type":"event"}\n{}`);
        post("envelope: header a JSON array", envelopeUrl, `[1,2]\n{"type":"event"}\n{}`);
        post("envelope: item header without type", envelopeUrl, `{}\n{"length":2}\n{}`);
        post("envelope: item header not JSON", envelopeUrl, `{}\n{type:event}\n{}`);
        post("envelope: length past the end", envelopeUrl, `{}\n{"type":"event","length":99999}\n{}`);
        post("envelope: negative length", envelopeUrl, `{}\n{"type":"event","length":-5}\n{}`);
        post("envelope: event is an array", envelopeUrl, `{}\n{"type":"event"}\n[1,2,3]`);
        post("envelope: event is a string", envelopeUrl, `{}\n{"type":"event"}\n"boom"`);
        post("envelope: 101 items", envelopeUrl, `{}\n${'{"type":"session"}\n{}\n'.repeat(101)}`);
        post("envelope: NUL bytes in the framing", envelopeUrl, `{}\u0000\n\u0000{"type":"event"}\n{}`);
        post("envelope: binary garbage", envelopeUrl, crypto.getRandomValues(new Uint8Array(4096)));
        post("envelope: 3 MiB", envelopeUrl, threeMiB);
        post("envelope: 3 MiB chunked", envelopeUrl, chunked(3 * 1024 * 1024));
        // Encodings
        post("envelope: broken gzip", envelopeUrl, "not gzip at all", { "content-encoding": "gzip" });
        post("envelope: truncated gzip", envelopeUrl, Bun.gzipSync(good).subarray(0, 20), {
          "content-encoding": "gzip",
        });
        post("envelope: broken deflate", envelopeUrl, "not deflate", { "content-encoding": "deflate" });
        post("envelope: broken br", envelopeUrl, "not brotli", { "content-encoding": "br" });
        post("envelope: broken zstd", envelopeUrl, "not zstd", { "content-encoding": "zstd" });
        post("envelope: unknown encoding", envelopeUrl, good, { "content-encoding": "snappy" });
        post("envelope: gzip bomb (20 MiB inflated)", envelopeUrl, Bun.gzipSync(new Uint8Array(20 << 20)), {
          "content-encoding": "gzip",
        });
        // Legacy /store/
        post("store: malformed JSON", storeUrl, '{"message": "x", ');
        post("store: JSON array", storeUrl, "[1,2]");
        post("store: JSON null", storeUrl, "null");
        post("store: base64 garbage", storeUrl, "bm90IHpsaWI=");
        post("store: NUL bytes", storeUrl, "\u0000\u0000\u0000");
        post("store: 3 MiB", storeUrl, `{"message":"${threeMiB}"}`);
        post("store: broken gzip", storeUrl, "nope", { "content-encoding": "gzip" });
        // Keys and DSNs
        post("no key", envelopeUrl, envelope({}, [{ type: "event" }, sentryEvent("x")]), {
          "x-sentry-auth": "",
        });
        post("wrong key", envelopeUrl, good, {
          "x-sentry-auth": "Sentry sentry_key=0123456789abcdef0123456789abcdef",
        });
        post("garbled auth header", envelopeUrl, envelope({}, [{ type: "event" }, sentryEvent("x")]), {
          "x-sentry-auth": "Sentry ,,,==,sentry_key",
        });
        post(
          "DSN of another project in the envelope",
          envelopeUrl,
          envelope({ dsn: `http://${project.publicKey}@h/${project.id + 1}` }, [{ type: "event" }, "{}"]),
          { "x-sentry-auth": "" },
        );
        post("tunnel without a DSN", `${base}/_pier/errors/tunnel`, envelope({}, [{ type: "event" }, "{}"]), {
          "x-sentry-auth": "",
        });
        post(
          "tunnel with a malformed DSN",
          `${base}/_pier/errors/tunnel`,
          envelope({ dsn: "http://nope" }, [{ type: "event" }, "{}"]),
          { "x-sentry-auth": "" },
        );
        post(
          "tunnel with a DSN naming a huge project id",
          `${base}/_pier/errors/tunnel`,
          envelope({ dsn: `http://${project.publicKey}@h/99999999999999999999` }, [{ type: "event" }, "{}"]),
          { "x-sentry-auth": "" },
        );
        // Project ids
        for (const id of ["0", "999999", "99999999999999999999", "2147483648", "9223372036854775808"]) {
          post(`project id ${id} (envelope)`, `${base}${prefix}/api/${id}/envelope/`, good);
          post(`project id ${id} (store)`, `${base}${prefix}/api/${id}/store/`, sentryEvent("x"));
        }
        for (const id of ["abc", "-1", "1.5", "%00", "1%2F..%2F2"])
          post(`project id ${id}`, `${base}${prefix}/api/${id}/envelope/`, good);
        cases.push({
          label: `${where} GET on the envelope endpoint`,
          url: envelopeUrl,
          init: { method: "GET", headers },
        });
      }
      const problems = await runCases(cases);
      expect(problems).toEqual([]);

      // The rejected requests left nothing behind; one good envelope is the control.
      await Bun.sleep(500);
      expect(await issueTotal()).toBe(before);
      const ok = await call(`${pier.url}/api/${project.id}/envelope/`, {
        method: "POST",
        headers: { "x-sentry-auth": auth },
        body: good,
      });
      expect(ok.status).toBe(200);
      expect(await eventually(issueTotal, (n) => n > before)).toBe(before + 1);
    }, 120_000);

    test("Sentry ingest: NUL characters inside a valid event are stored without breaking the batch", async () => {
      const auth = `Sentry sentry_key=${project.publicKey}`;
      const send = (body: string) =>
        call(`${pier.url}/api/${project.id}/store/`, {
          method: "POST",
          headers: { "x-sentry-auth": auth },
          body,
        });
      const before = await issueTotal();
      const nul = await send(
        JSON.stringify({
          event_id: eventId(),
          level: "error",
          exception: { values: [{ type: "Nul\u0000Error", value: "a\u0000b" }] },
          tags: { "t\u0000": "v\u0000" },
          user: { id: "u\u0000" },
          release: "r\u00001",
          environment: "e\u0000",
        }),
      );
      // Sentry would accept it; what matters is that it is not a 5xx and the events after it land.
      expect(nul.status === 200 || (nul.status >= 400 && nul.status < 500)).toBe(true);
      const control = await send(sentryEvent("after the NUL event"));
      expect(control.status).toBe(200);
      const after = await eventually(issueTotal, (n) => n >= before + (nul.status === 200 ? 2 : 1));
      expect(after).toBe(before + (nul.status === 200 ? 2 : 1));
    }, 30_000);

    test("analytics beacons: bad bodies on the console and through the proxy are 4xx; nothing is counted", async () => {
      const before = await analyticsAccepted();
      const cases: Case[] = [];
      const bases = [
        { where: "proxy", url: `${proxy}/_pier/event` },
        { where: "console", url: `${pier.url}/_pier/event` },
      ];
      for (const { where, url } of bases) {
        const post = (
          label: string,
          body: BodyInit | null,
          extra: Record<string, string> = {},
          status?: number,
        ) =>
          cases.push({
            label: `${where} ${label}`,
            url,
            status,
            init: { method: "POST", headers: { host: appHost, "user-agent": browserUa, ...extra }, body },
          });
        post("malformed JSON", '{"n":"pageview",');
        post("empty body", "");
        post("JSON array", "[1,2]");
        post("JSON null", "null");
        post("JSON string", '"pageview"');
        post("n is a number", JSON.stringify({ n: 1, u: "/" }));
        post("u missing", JSON.stringify({ n: "pageview" }));
        post("n blank", JSON.stringify({ n: "   ", u: "/" }));
        post("unknown field", JSON.stringify({ n: "pageview", u: "/", x: 1 }));
        post("nested prop", JSON.stringify({ n: "e", u: "/", p: { a: { b: 1 } } }));
        post(
          "31 props",
          JSON.stringify({
            n: "e",
            u: "/",
            p: Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`k${i}`, i])),
          }),
        );
        post("vitals out of range", JSON.stringify({ n: "vitals", u: "/", v: { lcp: -1 } }));
        post(
          "NUL character in the URL",
          JSON.stringify({ n: "pageview", u: "http://pub.example.test/a\u0000b" }),
        );
        post("NUL character in the name", JSON.stringify({ n: "sign\u0000up", u: "/" }));
        post("raw NUL bytes", "\u0000\u0000{}");
        post("invalid UTF-8", new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]));
        post("gzip-encoded", Bun.gzipSync(JSON.stringify({ n: "pageview", u: "/" })), {
          "content-encoding": "gzip",
        });
        post("20 KB", JSON.stringify({ n: "pageview", u: "x".repeat(20_000) }), {}, 413);
        post("3 MiB", threeMiB, {}, 413);
        post("3 MiB chunked", chunked(3 * 1024 * 1024), {}, 413);
        cases.push({
          label: `${where} GET`,
          url,
          init: { method: "GET", headers: { host: appHost, "user-agent": browserUa } },
          json: false,
        });
      }
      const problems = await runCases(cases);
      expect(problems).toEqual([]);

      await Bun.sleep(500);
      expect(await analyticsAccepted()).toBe(before);
      const ok = await call(`${proxy}/_pier/event`, {
        method: "POST",
        headers: { host: appHost, "user-agent": browserUa },
        body: JSON.stringify({ n: "pageview", u: `http://${appHost}/` }),
      });
      expect(ok.status).toBe(202);
      expect(await eventually(analyticsAccepted, (n) => n > before)).toBe(before + 1);
    }, 120_000);

    test("AI gateway /ai/v1: bad bodies, keys and models are 4xx OpenAI-style errors; nothing reaches the provider", async () => {
      const beforeUsage = await aiUsage();
      upstreamHits = 0;
      const cases: Case[] = [];
      const bases = [
        { where: "console", base: `${pier.url}/ai/v1`, headers: {} as Record<string, string> },
        { where: "app host", base: `${proxy}/_pier/ai/v1`, headers: { host: appHost } },
      ];
      const chat = { model: "fake/m1", messages: [{ role: "user", content: "hi" }] };
      for (const { where, base, headers } of bases) {
        const send = (
          label: string,
          path: string,
          body: BodyInit | null,
          extra: Record<string, string> = {},
        ) =>
          cases.push({
            label: `${where} ${label}`,
            url: `${base}${path}`,
            init: {
              method: "POST",
              headers: {
                ...headers,
                authorization: `Bearer ${aiKey}`,
                "content-type": "application/json",
                ...extra,
              },
              body,
            },
          });
        for (const path of ["/chat/completions", "/embeddings", "/completions"]) {
          send(`${path} malformed JSON`, path, '{"model": ');
          send(`${path} JSON array`, path, "[1]");
          send(`${path} JSON null`, path, "null");
          send(`${path} empty body`, path, "");
          send(`${path} model missing`, path, JSON.stringify({ messages: chat.messages, input: "x" }));
          send(`${path} model a number`, path, JSON.stringify({ ...chat, model: 5, input: "x" }));
          send(
            `${path} model with NUL`,
            path,
            JSON.stringify({ ...chat, model: "fake/m\u00001", input: "x" }),
          );
          send(`${path} model not allowed`, path, JSON.stringify({ ...chat, model: "fake/m2", input: "x" }));
          send(`${path} broken gzip`, path, "nope", { "content-encoding": "gzip" });
          send(`${path} broken zstd`, path, "nope", { "content-encoding": "zstd" });
          send(`${path} 9 MiB`, path, "x".repeat(9 * 1024 * 1024));
          send(`${path} 9 MiB chunked`, path, chunked(9 * 1024 * 1024));
          // Valid JSON over the 8 MiB limit without a Content-Length used to reach the provider.
          send(
            `${path} 9 MiB of valid JSON, chunked`,
            path,
            chunked(
              9 * 1024 * 1024,
              '{"model":"fake/m1","messages":[{"role":"user","content":"',
              '"}],"input":"x"}',
            ),
          );
          send(`${path} no key`, path, JSON.stringify(chat), { authorization: "" });
          send(`${path} wrong key`, path, JSON.stringify(chat), { authorization: "Bearer pier_ai_wrong" });
          send(`${path} Basic auth`, path, JSON.stringify(chat), { authorization: "Basic dXNlcjpwYXNz" });
          send(`${path} key with NUL`, path, JSON.stringify(chat), { authorization: "Bearer pier_ai_%00" });
        }
        send("chat: messages a string", "/chat/completions", JSON.stringify({ ...chat, messages: "hi" }));
        send("chat: messages empty", "/chat/completions", JSON.stringify({ ...chat, messages: [] }));
        send("chat: stream a string", "/chat/completions", JSON.stringify({ ...chat, stream: "yes" }));
        send("chat: max_tokens negative", "/chat/completions", JSON.stringify({ ...chat, max_tokens: -1 }));
        send(
          "chat: temperature a string",
          "/chat/completions",
          JSON.stringify({ ...chat, temperature: "hot" }),
        );
        cases.push({
          label: `${where} /models with a wrong key`,
          url: `${base}/models`,
          init: { headers: { ...headers, authorization: "Bearer nope" } },
        });
      }
      const problems = await runCases(cases);
      expect(problems).toEqual([]);
      expect(upstreamHits).toBe(0);
      expect(await aiUsage()).toBe(beforeUsage);

      const ok = await call(`${pier.url}/ai/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${aiKey}`, "content-type": "application/json" },
        body: JSON.stringify(chat),
      });
      expect(ok.status).toBe(200);
      expect(upstreamHits).toBe(1);
      expect(await eventually(aiUsage, (n) => n > beforeUsage)).toBe(beforeUsage + 1);
    }, 120_000);

    test("public status pages: bad slugs, hosts and methods are 4xx", async () => {
      const ok = await call(`${pier.url}/status/pub-status.json`, {});
      expect(ok.status).toBe(200);
      expect((await call(`${proxy}/index.json`, { headers: { host: statusHost } })).status).toBe(200);
      const cases: Case[] = [];
      for (const slug of [
        "nope",
        "..%2F..%2Fetc%2Fpasswd",
        "a%00b",
        "x".repeat(5000),
        "%E0%A4%A",
        "PUB-STATUS",
      ]) {
        for (const suffix of ["", ".json"])
          cases.push({
            label: `/status/${slug.slice(0, 20)}${suffix}`,
            url: `${pier.url}/status/${slug}${suffix}`,
            init: {},
            json: false,
          });
      }
      for (const method of ["POST", "PUT", "DELETE"])
        cases.push({
          label: `${method} /status/pub-status`,
          url: `${pier.url}/status/pub-status`,
          init: { method, body: method === "DELETE" ? undefined : "{}" },
          json: false,
        });
      for (const [label, host, path] of [
        ["status host: other path", statusHost, "/admin"],
        ["status host: traversal", statusHost, "/..%2F..%2Fetc%2Fpasswd"],
        ["status host: NUL", statusHost, "/%00"],
        ["status host: POST", statusHost, "/"],
        ["unknown host", "nobody.pub.test", "/"],
        ["host with NUL-like junk", "status.pub.test%00", "/"],
      ] as const)
        cases.push({
          label,
          url: `${proxy}${path}`,
          init: { method: label.endsWith("POST") ? "POST" : "GET", headers: { host } },
          json: false,
        });
      expect(await runCases(cases)).toEqual([]);
    });

    test("afterwards: healthy and still running", async () => {
      expect((await call(`${pier.url}/healthz`, {})).status).toBe(200);
      expect(pier.proc.exitCode).toBeNull();
    });
  });
}
