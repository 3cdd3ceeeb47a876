import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type PierProcess, runCli, startPier } from "../support/pier-process.ts";

// Findings of the outside security review, tried against the compiled binary the way they were
// found: from outside, with nothing but HTTP.

const json = (body: unknown) => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

describe("first admin (review finding 2)", () => {
  let pier: PierProcess;
  beforeAll(async () => {
    pier = await startPier({ env: { PIER_ADMIN_TOKEN: "pier_security_e2e_admin_token_0123456789" } });
  });
  afterAll(() => pier.stop());

  test("reaching the console is not enough: setup needs the code pier printed at start", async () => {
    const code = pier.setupCode();
    expect(code).toMatch(/^[0-9A-Z]{5}(-[0-9A-Z]{5}){3}$/);
    expect(pier.logs()).toContain(code);
    expect(statSync(join(pier.dataDir, "setup-code")).mode & 0o077).toBe(0);

    const anonymous = await fetch(
      `${pier.url}/api/v1/auth/setup`,
      json({ email: "mallory@example.com", password: "a long password" }),
    );
    expect(anonymous.status).toBe(403);
    expect((await anonymous.json()).error.code).toBe("setup_code_required");
    // Still no admin: the real operator can set up.
    expect((await (await fetch(`${pier.url}/api/v1/auth/setup`)).json()).needsSetup).toBe(true);

    const real = await fetch(
      `${pier.url}/api/v1/auth/setup`,
      json({ email: "ops@example.com", password: "a long password", setupCode: code }),
    );
    expect(real.status).toBe(201);
    expect(existsSync(join(pier.dataDir, "setup-code"))).toBe(false);
  });
});

describe("login limits (review finding 3)", () => {
  let pier: PierProcess;
  const admin = { email: "ops@example.com", password: "a long password" };
  beforeAll(async () => {
    // Listening on both loopbacks gives two distinct client addresses: 127.0.0.1 and ::1.
    pier = await startPier({ args: ["--host", "::"] });
    const res = await fetch(`${pier.url}/api/v1/auth/setup`, json({ ...admin, setupCode: pier.setupCode() }));
    expect(res.status).toBe(201);
  });
  afterAll(() => pier.stop());

  const login = (origin: string, password: string, headers: Record<string, string> = {}) =>
    fetch(`${origin}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ email: admin.email, password }),
    }).then((r) => r.status);

  test("40 parallel wrong logins: only the limit (10) reach the password check", async () => {
    const v4 = `http://127.0.0.1:${pier.consolePort}`;
    const statuses = await Promise.all(Array.from({ length: 40 }, () => login(v4, "wrong password")));
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(30);
  });

  test("rotating X-Forwarded-For does not buy new attempts", async () => {
    const v4 = `http://127.0.0.1:${pier.consolePort}`;
    expect(await login(v4, "wrong password", { "x-forwarded-for": "198.51.100.77" })).toBe(429);
    expect(await login(v4, admin.password, { "x-forwarded-for": "203.0.113.5" })).toBe(429);
  });

  test("an attacker at one address cannot lock the admin out at another", async () => {
    const v6 = `http://[::1]:${pier.consolePort}`;
    expect(await login(v6, admin.password)).toBe(200);
  });
});

describe("deploys cannot reach host files (review finding 1)", () => {
  const token = `pier_sec${crypto.randomUUID().replaceAll("-", "")}`;
  let pier: PierProcess;
  let work: string;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "pier-sec-deploy-"));
    pier = await startPier({
      env: { PIER_ADMIN_TOKEN: token, PIER_RELEASE_MAX_BYTES: String(16 * 1024 * 1024) },
      args: ["--proxy-workers", "1", "--base-domain", "pier.test"],
    });
  });
  afterAll(async () => {
    await pier.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const authed = (path: string, init: RequestInit = {}) =>
    fetch(`${pier.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) },
    });

  /** Creates `app`, uploads `dir` as a tar.gz (symlinks kept as links) and waits for the outcome. */
  async function deployDir(app: string, dir: string) {
    expect((await authed("/api/v1/apps", json({ name: app }))).status).toBe(201);
    const tar = new Uint8Array(Bun.spawnSync(["tar", "-czf", "-", "-C", dir, "."]).stdout);
    const started = await authed(`/api/v1/apps/${app}/deploy`, {
      method: "POST",
      headers: { "content-type": "application/gzip" },
      body: tar,
    });
    expect(started.status).toBeLessThan(300);
    const { deployment } = (await started.json()) as { deployment: { id: string } };
    for (let i = 0; i < 300; i++) {
      const { deployment: now } = (await (await authed(`/api/v1/deployments/${deployment.id}`)).json()) as {
        deployment: { status: string; error: string | null };
      };
      if (now.status === "failed" || now.status === "live") return now;
      await Bun.sleep(100);
    }
    throw new Error("deploy did not finish");
  }

  test("[static] dir through a symlink to /etc fails the deploy and serves nothing of the host", async () => {
    const dir = join(work, "static-leak");
    mkdirSync(dir);
    symlinkSync("/etc", join(dir, "site"));
    writeFileSync(join(dir, "pier.toml"), '[static]\ndir = "site"\n');
    const outcome = await deployDir("leak", dir);
    expect(outcome.status).toBe("failed");
    expect(outcome.error).toContain("outside the release");
    const viaProxy = await fetch(`http://127.0.0.1:${pier.httpPort}/passwd`, {
      headers: { host: "leak.pier.test" },
    });
    expect(await viaProxy.text()).not.toContain("root:");
  });

  test("a symlink inside a published site that points at a host file is refused", async () => {
    const dir = join(work, "static-inner-leak");
    mkdirSync(join(dir, "public"), { recursive: true });
    writeFileSync(join(dir, "public/index.html"), "<h1>hello</h1>");
    symlinkSync("/etc/passwd", join(dir, "public/passwd.txt"));
    writeFileSync(join(dir, "pier.toml"), '[static]\ndir = "public"\n');
    const outcome = await deployDir("innerleak", dir);
    expect(outcome.status).toBe("failed");
    expect(outcome.error).toContain("passwd.txt is a symlink to /etc/passwd");
  });

  test("[build] context through a symlink fails before pier writes or reads anything there", async () => {
    const outside = join(work, "outside");
    mkdirSync(outside);
    writeFileSync(join(outside, "package.json"), '{"name":"host-files","scripts":{"start":"bun x"}}');
    const dir = join(work, "context-leak");
    mkdirSync(dir);
    symlinkSync(outside, join(dir, "ctx"));
    writeFileSync(join(dir, "pier.toml"), '[build]\ncontext = "ctx"\n');
    const outcome = await deployDir("ctxleak", dir);
    expect(outcome.status).toBe("failed");
    expect(outcome.error).toContain('[build] context "ctx" leads outside the release');
    expect(readdirSync(outside)).toEqual(["package.json"]);
  });

  test("a gzip bomb is refused at the release limit and leaves no files behind", async () => {
    const dir = join(work, "bomb");
    mkdirSync(dir);
    writeFileSync(join(dir, "index.html"), "<h1>bomb</h1>");
    Bun.spawnSync(["truncate", "-s", String(256 * 1024 * 1024), join(dir, "zeros.bin")]);
    const outcome = await deployDir("bomb", dir);
    expect(outcome.status).toBe("failed");
    expect(outcome.error).toContain("PIER_RELEASE_MAX_BYTES");
    expect(readdirSync(join(pier.dataDir, "builds"))).toEqual([]);
  });
});

describe("user-typed targets cannot reach pier's machine (review finding 4)", () => {
  const token = `pier_sec${crypto.randomUUID().replaceAll("-", "")}`;
  let pier: PierProcess;
  let hits = 0;
  // Stands in for an internal service (ClickHouse, a metadata service) on loopback.
  const internal = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch() {
      hits++;
      return new Response("ClickHouse version 18.16 internal-secret");
    },
  });
  beforeAll(async () => {
    // The suites open loopback for their fake services; this one runs with pier's default policy.
    pier = await startPier({ env: { PIER_ADMIN_TOKEN: token, PIER_EGRESS_ALLOW: undefined } });
  });
  afterAll(async () => {
    await pier.stop();
    internal.stop(true);
  });
  const authed = (path: string, body?: unknown, method = body === undefined ? "GET" : "POST") =>
    fetch(`${pier.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  async function checkNow(name: string, monitor: Record<string, unknown>) {
    expect(
      (await authed("/api/v1/monitors", { name, intervalSeconds: 3600, retries: 0, ...monitor })).status,
    ).toBe(201);
    const checked = await authed(`/api/v1/monitors/${name}/check`, {});
    expect(checked.status).toBe(200);
    return ((await checked.json()) as { result: { ok: boolean; error?: string } }).result;
  }

  test("a keyword monitor cannot read an internal HTTP service, the console or a metadata address", async () => {
    const oracle = await checkNow("oracle", {
      target: `http://127.0.0.1:${internal.port}/`,
      http: { keyword: "ClickHouse" },
    });
    expect(oracle.ok).toBe(false);
    expect(oracle.error).toContain("pier does not connect to 127.0.0.1 (loopback)");
    const console = await checkNow("console", { target: `http://localhost:${pier.consolePort}/healthz` });
    expect(console.error).toMatch(/pier does not connect to .*loopback/);
    const metadata = await checkNow("metadata", { target: "http://[::ffff:a9fe:a9fe]/latest/meta-data/" });
    expect(metadata.error).toContain("link-local");
    expect(hits).toBe(0);
  });

  test("a TCP monitor is no port scanner", async () => {
    const scan = await checkNow("scan", { kind: "tcp", target: `127.0.0.1:${pier.consolePort}` });
    expect(scan.ok).toBe(false);
    expect(scan.error).toContain("pier does not connect to 127.0.0.1");
  });

  test("a notification webhook to loopback is refused, and says why", async () => {
    const created = await authed("/api/v1/notification-channels", {
      name: "inside",
      config: { kind: "webhook", url: `http://127.0.0.1:${internal.port}/hook` },
    });
    expect(created.status).toBe(201);
    const sent = await authed("/api/v1/notification-channels/inside/test", {});
    expect(sent.status).toBe(502);
    expect(JSON.stringify(await sent.json())).toContain("pier does not connect to 127.0.0.1");
    expect(hits).toBe(0);
  });

  test("an AI provider base URL on loopback is never called", async () => {
    const provider = await authed("/api/v1/ai/providers", {
      name: "inside",
      kind: "openai-compatible",
      baseUrl: `http://127.0.0.1:${internal.port}/v1`,
      models: ["m"],
    });
    expect(provider.status).toBe(201);
    const { secret } = (await (await authed("/api/v1/ai/keys", { name: "k" })).json()) as { secret: string };
    const chat = await fetch(`${pier.url}/ai/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "inside/m", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(chat.status).toBeGreaterThanOrEqual(400);
    expect(hits).toBe(0);
  });
});

describe("error events are scrubbed before they are stored (review finding 5)", () => {
  const token = `pier_${"S3cretAdminToken".repeat(3)}`;
  let pier: PierProcess;
  beforeAll(async () => {
    pier = await startPier({ env: { PIER_ADMIN_TOKEN: token, PIER_ERRORS_WRITER_THREAD: "on" } });
  });
  afterAll(() => pier.stop());
  const authed = (path: string, body?: unknown, method = body === undefined ? "GET" : "POST") =>
    fetch(`${pier.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  /** What `sentry-cli send-event` sends by default: the whole environment of the shell it ran in. */
  const cliEvent = (dsn: string) => ({
    event_id: crypto.randomUUID().replaceAll("-", ""),
    level: "error",
    message: "release failed",
    platform: "other",
    extra: { environ: { PIER_ADMIN_TOKEN: token, SENTRY_DSN: dsn, HOME: "/root" } },
    request: {
      url: "https://shop.test/pay",
      headers: { Authorization: `Bearer ${token}` },
      query_string: `token=${token}`,
    },
    user: { id: "7", ip_address: "{{auto}}" },
  });

  async function sendAndRead(project: { id: number; publicKey: string; dsn: string }) {
    const event = cliEvent(project.dsn);
    const sent = await fetch(`${pier.url}/api/${project.id}/store/?sentry_key=${project.publicKey}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(event),
    });
    expect(sent.status).toBe(200);
    const res = await authed(`/api/v1/errors/projects/${project.id}/events/${event.event_id}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { event: { user: { ipAddress: string | null } } };
    return { text: JSON.stringify(body), ip: body.event.user.ipAddress };
  }

  test("credentials, the DSN and auth headers are [Filtered] in the API and absent from the data dir", async () => {
    const { project } = (await (await authed("/api/v1/errors/projects", { name: "cli" })).json()) as {
      project: { id: number; publicKey: string; dsn: string };
    };
    const { text: stored, ip } = await sendAndRead(project);
    expect(stored).toContain("[Filtered]");
    expect(stored).not.toContain(token);
    expect(stored).not.toContain(project.publicKey);
    expect(stored).toContain("/root");
    // The SDK's {{auto}} address is the client's, as the console saw it.
    expect(ip).toBe("127.0.0.1");
    // Nothing under the data dir holds the token: not the database, not the WAL.
    const grep = Bun.spawnSync(["grep", "-rl", "--binary-files=text", token, pier.dataDir]);
    expect(grep.stdout.toString()).toBe("");
  });

  test("a project can add fields, drop IPs, or turn scrubbing off", async () => {
    const { project } = (await (
      await authed("/api/v1/errors/projects", { name: "raw", scrubbing: { enabled: false, dropIp: true } })
    ).json()) as { project: { id: number; publicKey: string; dsn: string; scrubbing: unknown } };
    expect(project.scrubbing).toEqual({ enabled: false, fields: [], dropIp: true });
    const { text: stored, ip } = await sendAndRead(project);
    expect(stored).toContain(token);
    expect(stored).not.toContain("{{auto}}");
    expect(ip).toBeNull();
  });
});

describe("the console over TLS (review finding 10)", () => {
  const token = `pier_sec${crypto.randomUUID().replaceAll("-", "")}`;
  let pier: PierProcess;
  beforeAll(async () => {
    pier = await startPier({
      env: { PIER_ADMIN_TOKEN: token },
      args: ["--proxy-workers", "1", "--console-host", "console.pier.test"],
    });
  });
  afterAll(() => pier.stop());
  // The certificate is self-signed until ACME is configured; the name is what is checked here.
  const tls = { serverName: "console.pier.test", rejectUnauthorized: false };

  test("the API answers on the HTTPS port under the console host, with the token", async () => {
    const health = await fetch(`https://127.0.0.1:${pier.httpsPort}/healthz`, {
      headers: { host: "console.pier.test" },
      tls,
    } as RequestInit);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { ok: boolean }).ok).toBe(true);
    const apps = await fetch(`https://127.0.0.1:${pier.httpsPort}/api/v1/apps`, {
      headers: { host: "console.pier.test", authorization: `Bearer ${token}` },
      tls,
    } as RequestInit);
    expect(apps.status).toBe(200);
    expect(pier.logs()).toContain("https://console.pier.test");
  });

  test("plain HTTP on the console host is redirected to HTTPS", async () => {
    const plain = await fetch(`http://127.0.0.1:${pier.httpPort}/api/v1/apps`, {
      headers: { host: "console.pier.test" },
      redirect: "manual",
    });
    expect([301, 308]).toContain(plain.status);
    expect(plain.headers.get("location")).toStartWith("https://console.pier.test");
  });
});

describe("tokens limited to an app (review finding 8)", () => {
  const admin = `pier_sec${crypto.randomUUID().replaceAll("-", "")}`;
  let pier: PierProcess;
  let ci: string;
  let work: string;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "pier-sec-scoped-"));
    pier = await startPier({
      env: { PIER_ADMIN_TOKEN: admin },
      args: ["--proxy-workers", "1", "--base-domain", "pier.test"],
    });
    for (const name of ["shop", "blog"]) {
      const res = await fetch(`${pier.url}/api/v1/apps`, {
        ...json({ name }),
        headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      });
      expect(res.status).toBe(201);
    }
    const cli = await runCli([
      "token",
      "create",
      "--name",
      "ci-shop",
      "--app",
      "shop",
      "--scope",
      "deploy",
      "--url",
      pier.url,
      "--token",
      admin,
    ]);
    expect(cli.code).toBe(0);
    expect(cli.stderr).toContain("for shop only");
    ci = cli.stdout.trim();
  });
  afterAll(async () => {
    await pier.stop();
    rmSync(work, { recursive: true, force: true });
  });
  const as = (token: string, path: string, init: RequestInit = {}) =>
    fetch(`${pier.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) },
    });

  /** A static site in a fresh repository, pushed with `token` to `app`. */
  function push(app: string, token: string) {
    const dir = mkdtempSync(join(work, `${app}-`));
    writeFileSync(join(dir, "index.html"), `<h1>${app}</h1>`);
    const git = (...args: string[]) =>
      Bun.spawnSync(["git", "-c", "user.name=ci", "-c", "user.email=ci@pier.test", ...args], {
        cwd: dir,
        env: { ...process.env, HOME: dir, GIT_TERMINAL_PROMPT: "0" },
      });
    git("init", "-q", "-b", "main");
    git("add", ".");
    git("commit", "-qm", "site");
    return git("push", `http://x:${token}@127.0.0.1:${pier.consolePort}/git/${app}.git`, "main");
  }

  test("it deploys its app with git and the API", async () => {
    const pushed = push("shop", ci);
    expect(pushed.exitCode).toBe(0);
    expect((await as(ci, "/api/v1/apps/shop/deployments")).status).toBe(200);
    expect((await as(ci, "/api/v1/apps/shop/env")).status).toBe(200);
  });

  test("it cannot push, deploy, read env or logs of another app, nor act on the platform", async () => {
    expect(push("blog", ci).exitCode).not.toBe(0);
    const tar = new Uint8Array(Bun.spawnSync(["tar", "-czf", "-", "-C", work, "."]).stdout);
    const upload = await as(ci, "/api/v1/apps/blog/deploy", {
      method: "POST",
      headers: { "content-type": "application/gzip" },
      body: tar,
    });
    expect(upload.status).toBe(403);
    expect((await upload.json()).error.message).toContain("limited to the app shop");
    expect((await as(ci, "/api/v1/apps/blog/env")).status).toBe(403);
    expect((await as(ci, "/api/v1/apps/blog/logs")).status).toBe(403);
    expect((await as(ci, "/api/v1/apps")).status).toBe(403);
    // The admin's deployment of blog is not even visible to it.
    expect(push("blog", admin).exitCode).toBe(0);
    const { deployments } = (await (await as(admin, "/api/v1/apps/blog/deployments")).json()) as {
      deployments: { id: string }[];
    };
    expect((await as(ci, `/api/v1/deployments/${deployments[0]!.id}`)).status).toBe(404);
    expect((await as(ci, "/api/v1/auth/me")).status).toBe(200);
  });
});

describe("ingest believes only pier's own proxy (review finding 7)", () => {
  const token = `pier_sec${crypto.randomUUID().replaceAll("-", "")}`;
  const chrome =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
  let pier: PierProcess;
  let victimId: string;
  let work: string;
  const authed = (path: string, init: RequestInit = {}) =>
    fetch(`${pier.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) },
    });
  const pageview = (path: string) => JSON.stringify({ n: "pageview", u: `https://victim.pier.test${path}` });
  /** Sends `request` byte for byte to the proxy (fetch would resolve dot segments) and reads to close. */
  const rawExchange = (request: string) =>
    new Promise<string>((resolve) => {
      let text = "";
      Bun.connect({
        hostname: "127.0.0.1",
        port: pier.httpPort,
        socket: {
          open(s) {
            s.write(request);
          },
          data(_s, d) {
            text += d.toString();
          },
          close() {
            resolve(text);
          },
        },
      });
    });
  const stored = async () => {
    const res = await authed("/api/v1/analytics/victim/breakdown/page?period=day");
    expect(res.status).toBe(200);
    return ((await res.json()) as { rows: { value: string }[] }).rows.map((r) => r.value).sort();
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "pier-sec-ingest-"));
    writeFileSync(join(work, "index.html"), "<h1>victim</h1>");
    pier = await startPier({
      env: { PIER_ADMIN_TOKEN: token },
      args: ["--proxy-workers", "1", "--base-domain", "pier.test"],
    });
    const created = await authed("/api/v1/apps", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "victim" }),
    });
    expect(created.status).toBe(201);
    victimId = ((await created.json()) as { app: { id: string } }).app.id;
    const tar = new Uint8Array(Bun.spawnSync(["tar", "-czf", "-", "-C", work, "."]).stdout);
    const deploy = await authed("/api/v1/apps/victim/deploy", {
      method: "POST",
      headers: { "content-type": "application/gzip" },
      body: tar,
    });
    expect(deploy.status).toBeLessThan(300);
    for (let i = 0; i < 300; i++) {
      const res = await fetch(`http://127.0.0.1:${pier.httpPort}/`, {
        headers: { host: "victim.pier.test" },
      });
      if (res.status === 200 && (await res.text()).includes("victim")) break;
      await Bun.sleep(100);
    }
  });
  afterAll(async () => {
    await pier.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test("a beacon posted to the console naming the victim's app writes nothing for it", async () => {
    const forged = {
      "content-type": "text/plain",
      "user-agent": chrome,
      "x-pier-app": victimId,
      "x-pier-host": "victim.pier.test",
      "x-forwarded-for": "198.51.100.7",
    };
    const direct = await fetch(`${pier.url}/_pier/event`, {
      method: "POST",
      headers: forged,
      body: pageview("/forged"),
    });
    expect(direct.status).toBe(400);
    const guessed = await fetch(`${pier.url}/_pier/event`, {
      method: "POST",
      headers: { ...forged, "x-pier-edge": "edge_guess", host: "victim.pier.test" },
      body: pageview("/guessed"),
    });
    expect(guessed.status).toBe(400);
    await Bun.sleep(600);
    expect(await stored()).toEqual([]);
  });

  test("an app's host serves only /_pier/ of the console: `..\\` cannot reach the API or the dashboard", async () => {
    const raw = (target: string) =>
      rawExchange(
        `GET ${target} HTTP/1.1\r\nHost: victim.pier.test\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`,
      );
    for (const target of ["/_pier/..\\api/v1/tokens", "/_pier/..%5capi/v1/tokens", "/_pier/..\\"]) {
      const answer = await raw(target);
      expect(answer.split("\r\n")[0]).not.toContain("200");
      expect(answer).not.toContain('"tokens"');
      expect(answer).not.toContain("<html");
    }
    // What the route is for still works.
    expect(await raw("/_pier/script.js")).toStartWith("HTTP/1.1 200");
  });

  test("the same beacon through the app's host is stored for it, answered by the worker or forwarded", async () => {
    const viaHost = await fetch(`http://127.0.0.1:${pier.httpPort}/_pier/event`, {
      method: "POST",
      headers: { host: "victim.pier.test", "content-type": "text/plain", "user-agent": chrome },
      body: pageview("/through-the-host"),
    });
    expect(viaHost.status).toBe(202);
    // A chunked beacon is not answered by the worker: it goes on to the console with the edge secret.
    const body = pageview("/forwarded");
    const chunked = await rawExchange(
      `POST /_pier/event HTTP/1.1\r\nHost: victim.pier.test\r\nUser-Agent: ${chrome}\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
    );
    expect(chunked).toStartWith("HTTP/1.1 202");
    let paths: string[] = [];
    for (let i = 0; i < 50 && paths.length < 2; i++) {
      await Bun.sleep(100);
      paths = await stored();
    }
    expect(paths).toEqual(["/forwarded", "/through-the-host"]);
  });
});
