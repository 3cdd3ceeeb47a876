import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { Server } from "bun";
import { chromiumAvailable, launchChromium } from "../support/chromium.ts";
import { type PierProcess, repoRoot, runCli, startPier } from "../support/pier-process.ts";

// Error tracking through the compiled binary, driven by the official Sentry SDKs: @sentry/node in a
// child process, @sentry/browser in Chromium on a page served through pier's proxy.
const token = `pier_errors${crypto.randomUUID().replaceAll("-", "")}`;
const fixtures = join(import.meta.dir, "errors-fixtures");
let pier: PierProcess;
const servers: Server<unknown>[] = [];
const hooks: { event: string; body: Record<string, unknown> }[] = [];

interface Project {
  id: number;
  publicKey: string;
  dsn: string;
}
interface Issue {
  id: string;
  title: string;
  culprit: string;
  count: number;
  usersCount: number;
  status: string;
  substatus: string | null;
  groupingKind: string;
  lastRelease: string | null;
}

async function api<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${pier.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path} -> ${res.status}: ${JSON.stringify(json)}`);
  return json as T;
}

async function createProject(name: string, extra: Record<string, unknown> = {}): Promise<Project> {
  return (await api<{ project: Project }>("POST", "/api/v1/errors/projects", { name, ...extra })).project;
}

async function issuesOf(projectId: number, query = ""): Promise<Issue[]> {
  return (await api<{ issues: Issue[] }>("GET", `/api/v1/errors/issues?project=${projectId}${query}`)).issues;
}

async function runNodeApp(dsn: string, release: string, scenario: string): Promise<void> {
  const proc = Bun.spawn([process.execPath, join(fixtures, "errors-node-app.ts"), scenario], {
    cwd: repoRoot,
    env: { ...process.env, SENTRY_DSN: dsn, SENTRY_RELEASE: release, SENTRY_ENVIRONMENT: "production" },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0 || !out.includes("sent")) throw new Error(`node app failed (${code}): ${out}\n${err}`);
}

beforeAll(async () => {
  const receiver = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      hooks.push({ event: req.headers.get("x-pier-event") ?? "", body: await req.json() });
      return new Response("ok");
    },
  });
  servers.push(receiver);
  pier = await startPier({ env: { PIER_ADMIN_TOKEN: token }, args: ["--proxy-workers", "1"] });
});
afterAll(async () => {
  await pier?.stop();
  for (const server of servers) server.stop(true);
}, 20_000);

describe("@sentry/node against pier", () => {
  let project: Project;

  test("exceptions, messages and a custom fingerprint arrive grouped, with users, tags and a stack trace", async () => {
    project = await createProject("node-shop", { webhookUrl: `http://127.0.0.1:${servers[0]!.port}/hook` });
    expect(project.dsn).toBe(`http://${project.publicKey}@127.0.0.1:${pier.consolePort}/${project.id}`);
    await runNodeApp(project.dsn, "1.0.0", "all");
    const issues = await issuesOf(project.id, "&sort=count");
    const byTitle = Object.fromEntries(issues.map((i) => [i.title.split(" for ")[0]!.split(":")[0]!, i]));
    expect(issues).toHaveLength(3);
    expect(byTitle.TypeError).toMatchObject({
      count: 3,
      usersCount: 2,
      culprit: expect.stringContaining("chargeCard"),
    });
    expect(byTitle["Inventory sync took 98 ms"] ?? byTitle["Inventory sync took 1234 ms"]).toMatchObject({
      count: 2,
      groupingKind: "message",
    });
    const fingerprinted = issues.find((i) => i.groupingKind === "fingerprint")!;
    expect(fingerprinted.count).toBe(2);

    const detail = await api<{
      latestEvent: {
        exceptions: { frames: { function: string | null; inApp: boolean; lineno: number | null }[] }[];
        breadcrumbs: { message: string | null }[];
        release: string;
        environment: string;
      };
      tags: { key: string; topValues: { value: string; count: number }[] }[];
      histogram: { buckets: { count: number }[] };
    }>("GET", `/api/v1/errors/issues/${byTitle.TypeError!.id}?period=1h`);
    const frames = detail.latestEvent.exceptions.at(-1)!.frames;
    expect(frames.at(-1)).toMatchObject({ function: "chargeCard", inApp: true });
    expect(frames.at(-1)!.lineno).toBeGreaterThan(0);
    expect(detail.latestEvent.breadcrumbs.some((b) => b.message?.startsWith("start "))).toBe(true);
    expect(detail.latestEvent).toMatchObject({ release: "1.0.0", environment: "production" });
    expect(detail.tags.find((t) => t.key === "region")?.topValues[0]).toMatchObject({
      value: "eu-west",
      count: 3,
    });
    expect(detail.histogram.buckets.reduce((n, b) => n + b.count, 0)).toBe(3);

    for (let i = 0; i < 100 && hooks.filter((h) => h.event === "issue.created").length < 3; i++)
      await Bun.sleep(20);
    expect(hooks.filter((h) => h.event === "issue.created")).toHaveLength(3);
  });

  test("a resolved issue stays resolved on its release and regresses on a newer one", async () => {
    const [charge] = await issuesOf(project.id, "&query=card%20declined");
    const resolved = await api<{ issue: Issue }>("PATCH", `/api/v1/errors/issues/${charge!.id}`, {
      status: "resolved",
    });
    expect(resolved.issue).toMatchObject({ status: "resolved" });
    await runNodeApp(project.dsn, "1.0.0", "charge");
    expect((await issuesOf(project.id, "&status=resolved")).map((i) => i.id)).toEqual([charge!.id]);
    await runNodeApp(project.dsn, "1.1.0", "charge");
    const [after] = await issuesOf(project.id, "&query=card%20declined");
    expect(after).toMatchObject({
      status: "unresolved",
      substatus: "regressed",
      count: 9,
      lastRelease: "1.1.0",
    });
    expect((await issuesOf(project.id, "&release=1.1.0")).map((i) => i.id)).toEqual([charge!.id]);
    for (let i = 0; i < 100 && !hooks.some((h) => h.event === "issue.regressed"); i++) await Bun.sleep(20);
    expect(hooks.find((h) => h.event === "issue.regressed")?.body).toMatchObject({
      issue: { id: charge!.id },
    });
    const ignored = await api<{ issue: Issue }>("PATCH", `/api/v1/errors/issues/${charge!.id}`, {
      status: "ignored",
    });
    expect(ignored.issue.status).toBe("ignored");
  });

  test("the CLI lists issues and changes their status", async () => {
    const connection = ["--url", pier.url, "--token", token];
    const listed = await runCli([
      "errors",
      "issues",
      "--project",
      String(project.id),
      "--sort",
      "count",
      ...connection,
    ]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain("Inventory sync took");
    expect(listed.stdout).not.toContain("card declined"); // ignored above; unresolved is the default
    const all = await runCli([
      "errors",
      "issues",
      "--project",
      String(project.id),
      "--status",
      "all",
      ...connection,
    ]);
    const chargeId = all.stdout
      .split("\n")
      .find((l) => l.includes("card declined"))!
      .split(" ")[0]!;
    const reopened = await runCli(["errors", "reopen", chargeId, ...connection]);
    expect(reopened).toMatchObject({ code: 0, stdout: expect.stringContaining("unresolved") });
    const projects = await runCli(["errors", "projects", ...connection]);
    expect(projects.stdout).toContain(project.dsn);
  });
});

describe("projects of apps", () => {
  test("an app gets its project (and DSN) on first use; issues filter by app name", async () => {
    const created = await fetch(`${pier.url}/api/v1/apps`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "errors-app" }),
    });
    expect(created.status).toBe(201);
    const first = await api<{ project: Project & { appId: string } }>(
      "PUT",
      "/api/v1/errors/apps/errors-app/project",
    );
    const again = await api<{ project: Project }>("PUT", "/api/v1/errors/apps/errors-app/project");
    expect(again.project.id).toBe(first.project.id);
    expect(first.project.appId).toBeTruthy();
    const res = await fetch(
      `${pier.url}/api/${first.project.id}/store/?sentry_key=${first.project.publicKey}`,
      {
        method: "POST",
        body: JSON.stringify({ message: "from the app" }),
      },
    );
    expect(res.status).toBe(200);
    const { issues } = await api<{ issues: Issue[] }>("GET", "/api/v1/errors/issues?app=errors-app");
    expect(issues.map((i) => i.title)).toEqual(["from the app"]);
  });
});

describe("bad input", () => {
  test("malformed envelopes, wrong keys, oversized bodies and garbage gzip get clear 4xx; pier keeps serving", async () => {
    const project = await createProject("bad-input");
    const url = `${pier.url}/api/${project.id}/envelope/`;
    const auth = { "x-sentry-auth": `Sentry sentry_version=7, sentry_key=${project.publicKey}` };
    const send = (body: BodyInit, headers: Record<string, string> = auth, target = url) =>
      fetch(target, { method: "POST", headers, body });
    const expectations: [Promise<Response>, number, string][] = [
      [send("this is not an envelope"), 400, "malformed_payload"],
      [send('{"event_id":"x"}\n{"type":"event","length":500}\n{}'), 400, "malformed_payload"],
      [send('{}\n{"type":"event"}\n"just a string"\n'), 400, "malformed_payload"],
      [send("{}\n", { "x-sentry-auth": "Sentry sentry_key=deadbeef" }), 401, "invalid_key"],
      [send("{}\n", {}), 401, "invalid_key"],
      [send("{}\n", auth, `${pier.url}/api/999999/envelope/`), 404, "unknown_project"],
      [send(new Uint8Array(2 * 1024 * 1024).fill(65)), 413, "payload_too_large"],
      [
        send(new Uint8Array(gzipSync(new Uint8Array(12 * 1024 * 1024))), {
          ...auth,
          "content-encoding": "gzip",
        }),
        413,
        "payload_too_large",
      ],
      [send("definitely not gzip", { ...auth, "content-encoding": "gzip" }), 400, "malformed_payload"],
      [send("x", { ...auth, "content-encoding": "zstd" }), 400, "malformed_payload"],
    ];
    for (const [pending, status, code] of expectations) {
      const res = await pending;
      const body = await res.json();
      expect({ status: res.status, code: body.error.code }).toEqual({ status, code });
      expect(body.error.message.length).toBeGreaterThan(10);
    }
    const health = await fetch(`${pier.url}/healthz`);
    expect(health.status).toBe(200);
    const ok = await send(`{}\n{"type":"event"}\n{"message":"still alive"}\n`);
    expect(ok.status).toBe(200);
    expect((await issuesOf(project.id)).map((i) => i.title)).toEqual(["still alive"]);
  });

  test("per-key rate limit answers 429 with Retry-After", async () => {
    const project = await createProject("limited", { rateLimitPerMinute: 6 });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${pier.url}/api/${project.id}/store/?sentry_key=${project.publicKey}`, {
        method: "POST",
        body: JSON.stringify({ message: `m${i}` }),
      });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get("retry-after");
      await res.body?.cancel();
    }
    expect(statuses).toEqual([200, 429, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  });
});

describe.skipIf(!chromiumAvailable())("@sentry/browser in Chromium through the /_pier/ tunnel", () => {
  test("uncaught errors arrive via the DSN's /_pier/ path and via the tunnel option, from a page served by pier's proxy", async () => {
    const project = await createProject("web-shop");
    // Minified, with its source map uploaded by the CLI as a deploy pipeline would.
    const outdir = mkdtempSync(join(tmpdir(), "pier-e2e-bundle-"));
    const build = await Bun.build({
      entrypoints: [join(fixtures, "errors-browser-entry.ts")],
      outdir,
      naming: "app.[ext]",
      target: "browser",
      minify: true,
      sourcemap: "external",
    });
    expect(build.success).toBe(true);
    const bundle = await Bun.file(join(outdir, "app.js")).text();
    const upload = await runCli([
      "errors",
      "sourcemaps",
      outdir,
      "--project",
      String(project.id),
      "--release",
      "web@1.0.0",
      "--url-prefix",
      "~",
      "--url",
      pier.url,
      "--token",
      token,
    ]);
    expect(upload.stdout).toContain("app.js.map -> ~/app.js");
    expect(upload.code).toBe(0);
    const maps = await api<{ sourceMaps: { file: string }[] }>(
      "GET",
      `/api/v1/errors/projects/${project.id}/releases/web@1.0.0/sourcemaps`,
    );
    expect(maps.sourceMaps.map((m) => m.file)).toEqual(["~/app.js"]);
    const host = "shop.errors.test";
    const pageOrigin = `http://${host}:${pier.httpPort}`;
    const dsn = `http://${project.publicKey}@${host}:${pier.httpPort}/_pier/${project.id}`;
    const page = (tunnel: boolean) => `<!doctype html><html><head><title>shop</title>
<script>window.PIER_SENTRY = ${JSON.stringify({ dsn, tunnel: tunnel ? "/_pier/errors/tunnel" : undefined })};</script>
<script src="/app.js" defer></script></head><body><button id="boom">Buy</button></body></html>`;
    const site = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch(req) {
        const path = new URL(req.url).pathname;
        if (path === "/app.js")
          return new Response(bundle, { headers: { "content-type": "text/javascript" } });
        return new Response(page(path === "/tunnel"), { headers: { "content-type": "text/html" } });
      },
    });
    servers.push(site);
    await api("POST", "/api/v1/routes", { host, upstreams: [`http://127.0.0.1:${site.port}`] });

    const browser = await launchChromium([`--host-resolver-rules=MAP ${host} 127.0.0.1`]);
    try {
      const tab = await browser.newPage();
      const ingestRequests: string[] = [];
      tab.on("request", (r) => {
        if (r.url().includes("/_pier/")) ingestRequests.push(new URL(r.url()).pathname);
      });
      for (const variant of ["/", "/tunnel"]) {
        await tab.goto(`${pageOrigin}${variant}`);
        await tab.waitForFunction(
          () => (window as unknown as { sentryReady?: boolean }).sentryReady === true,
        );
        // Session envelopes go out on page load too; wait for the one carrying the event.
        const sent = tab.waitForResponse(
          (r) => r.url().includes("/_pier/") && (r.request().postData() ?? "").includes('"type":"event"'),
        );
        await tab.click("#boom");
        const response = await sent;
        expect(response.status()).toBe(200);
      }
      expect(ingestRequests).toContain(`/_pier/api/${project.id}/envelope/`);
      expect(ingestRequests).toContain("/_pier/errors/tunnel");
    } finally {
      await browser.close();
    }
    const issues = await issuesOf(project.id);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ count: 2, usersCount: 1 });
    expect(issues[0]!.title).toMatch(/^TypeError: .*items/);
    type Frame = {
      filename: string;
      lineno: number;
      contextLine: string | null;
      minified?: { absPath: string };
    };
    const detail = await api<{
      latestEvent: {
        platform: string;
        request: { url?: string } | null;
        environment: string;
        exceptions: { frames: Frame[] }[];
      };
    }>("GET", `/api/v1/errors/issues/${issues[0]!.id}`);
    expect(detail.latestEvent).toMatchObject({ platform: "javascript", environment: "browser-test" });
    expect(detail.latestEvent.request?.url).toStartWith(pageOrigin);
    // The frame that threw, resolved through the uploaded map to the original TypeScript line.
    const thrown = detail.latestEvent.exceptions.at(-1)!.frames.at(-1)!;
    expect(thrown.filename).toEndWith("errors-browser-entry.ts");
    expect(thrown.lineno).toBe(11);
    expect(thrown.contextLine).toBe("  document.title = String(cart!.items.length);");
    expect(thrown.minified?.absPath).toBe(`${pageOrigin}/app.js`);
    // A map that is not JSON is refused before anything is stored.
    const bad = await fetch(
      `${pier.url}/api/v1/errors/projects/${project.id}/releases/web@1.0.0/sourcemaps?file=~/x.js`,
      { method: "PUT", headers: { authorization: `Bearer ${token}` }, body: "{nope" },
    );
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("invalid_source_map");
  });

  test("CORS preflight on the app host's /_pier/ path", async () => {
    await api("POST", "/api/v1/routes", { host: "cors.errors.test", upstreams: ["http://127.0.0.1:9"] });
    const res = await fetch(`http://127.0.0.1:${pier.httpPort}/_pier/api/1/envelope/`, {
      method: "OPTIONS",
      headers: {
        host: "cors.errors.test",
        origin: "http://elsewhere.test",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
  });
});
