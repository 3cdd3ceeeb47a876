import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type PierProcess, runCli, startPier } from "../support/pier-process.ts";

const adminToken = `pier_e2e${crypto.randomUUID().replaceAll("-", "")}`;
let pier: PierProcess;
const home = mkdtempSync(join(tmpdir(), "pier-home-"));
const cliEnv = { HOME: home, XDG_CONFIG_HOME: "" };

beforeAll(async () => {
  pier = await startPier({
    env: {
      PIER_ADMIN_TOKEN: adminToken,
      MIMALLOC_PURGE_DELAY: undefined,
      MIMALLOC_PURGE_HOLES_MIN_INTERVAL: undefined,
    },
  });
});
afterAll(async () => {
  await pier?.stop();
});

const api = (path: string, init: RequestInit & { token?: string | null } = {}) => {
  const headers = new Headers(init.headers);
  const token = init.token === undefined ? adminToken : init.token;
  if (token) headers.set("authorization", `Bearer ${token}`);
  if (init.body) headers.set("content-type", "application/json");
  return fetch(`${pier.url}${path}`, { ...init, headers });
};

describe("the compiled binary", () => {
  test("--version, version and --help", async () => {
    const version = await runCli(["--version"]);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^pier \d+\.\d+\.\d+/);
    const json = await runCli(["version", "--json"]);
    expect(JSON.parse(json.stdout).platform).toBe(`${process.platform}-${process.arch}`);
    const help = await runCli(["--help"]);
    expect(help.code).toBe(0);
    for (const command of [
      "serve",
      "login",
      "apps create",
      "apps list",
      "apps delete",
      "token create",
      "admin create",
    ]) {
      expect(help.stdout).toContain(command);
    }
  });

  test("every command has --help", async () => {
    for (const command of [
      ["serve"],
      ["login"],
      ["apps", "create"],
      ["apps", "list"],
      ["apps", "delete"],
      ["token", "create"],
      ["token", "list"],
      ["token", "revoke"],
      ["admin", "create"],
      ["version"],
    ]) {
      const res = await runCli([...command, "--help"]);
      expect(res.code).toBe(0);
      expect(res.stdout).toContain("Usage: pier");
    }
    expect((await runCli(["serve", "--help"])).stdout).toContain("--console-port");
  });

  test("unknown commands, unknown flags and bad values exit 2 with a clear message", async () => {
    const unknown = await runCli(["deploy-everything"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "deploy-everything"');
    const badFlag = await runCli(["apps", "list", "--colour"]);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain("--colour");
    const badPort = await runCli(["serve", "--console-port", "seventy"]);
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toContain("--console-port");
    const missing = await runCli(["apps", "create"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("<NAME>");
  });

  test("serve --print-config shows the merged config with secrets hidden", async () => {
    const res = await runCli(["serve", "--print-config", "--console-port", "9999"], {
      PIER_ADMIN_TOKEN: "pier_verysecretvalue_123",
      PIER_DATABASE_URL: "postgres://pier:hunter2@db.internal:5432/pier",
      PIER_HTTP_PORT: "8123",
    });
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/consolePort\s+9999\s+\(flag\)/);
    expect(res.stdout).toMatch(/httpPort\s+8123\s+\(env\)/);
    expect(res.stdout).not.toContain("hunter2");
    expect(res.stdout).not.toContain("verysecretvalue");
  });
});

describe("pier serve", () => {
  test("/healthz answers with the version", async () => {
    const res = await fetch(`${pier.url}/healthz`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.ok).toBe(true);
    expect(typeof body.version).toBe("string");
  });

  test("it started itself again with the allocator settings: same PID, the setting in its environment", () => {
    const environ = readFileSync(`/proc/${pier.proc.pid}/environ`, "latin1").split("\0");
    expect(environ).toContain("MIMALLOC_PURGE_DELAY=60000");
    expect(environ).toContain("MIMALLOC_PURGE_HOLES_MIN_INTERVAL=60000");
    expect(environ).toContain(`PIER_ADMIN_TOKEN=${adminToken}`);
    const ready = pier
      .logs()
      .split("\n")
      .map((line) => (line.startsWith("{") ? JSON.parse(line) : {}))
      .find((record) => record.msg === "pier is ready");
    expect(ready?.allocator).toEqual({
      MIMALLOC_PURGE_DELAY: "60000",
      MIMALLOC_PURGE_HOLES_MIN_INTERVAL: "60000",
    });
    expect(pier.logs()).not.toContain("allocator settings not applied");
  });

  test("an operator's own MIMALLOC_PURGE_DELAY is kept as it is", async () => {
    const own = await startPier({
      env: { MIMALLOC_PURGE_DELAY: "250", MIMALLOC_PURGE_HOLES_MIN_INTERVAL: undefined },
    });
    try {
      const environ = readFileSync(`/proc/${own.proc.pid}/environ`, "latin1").split("\0");
      expect(environ.filter((entry) => entry.startsWith("MIMALLOC_")).sort()).toEqual([
        "MIMALLOC_PURGE_DELAY=250",
        "MIMALLOC_PURGE_HOLES_MIN_INTERVAL=60000",
      ]);
    } finally {
      await own.stop();
    }
  });

  test("a second pier on the same proxy port refuses to start instead of sharing its connections", async () => {
    // The workers listen with SO_REUSEPORT: without the check the kernel would spread this pier's
    // connections over both processes.
    const error = await startPier({ httpPort: pier.httpPort }).then(
      (second) => second.stop().then(() => null),
      (e: Error) => e,
    );
    expect(error?.message).toContain(`port ${pier.httpPort} (--http-port) is in use by another process`);
    expect((await fetch(`${pier.url}/healthz`)).status).toBe(200);
  });

  test("data dir holds a WAL-mode SQLite database and a 0600 secret key", () => {
    expect(statSync(join(pier.dataDir, "secret.key")).mode & 0o777).toBe(0o600);
    expect(statSync(join(pier.dataDir, "pier.db")).size).toBeGreaterThan(0);
    expect(statSync(join(pier.dataDir, "pier.db-wal")).isFile()).toBe(true);
  });

  test("the CLI logs in, creates, lists and deletes apps", async () => {
    const login = await runCli(["login", pier.url, "--token", adminToken], cliEnv);
    expect(login.stderr).toBe("");
    expect(login.code).toBe(0);
    const configPath = join(home, ".config", "pier", "config.json");
    expect(JSON.parse(readFileSync(configPath, "utf8"))).toEqual({ url: pier.url, token: adminToken });
    expect(statSync(configPath).mode & 0o777).toBe(0o600);

    expect((await runCli(["apps", "create", "blog"], cliEnv)).code).toBe(0);
    expect((await runCli(["apps", "create", "shop", "--default-branch", "trunk"], cliEnv)).code).toBe(0);
    const list = await runCli(["apps", "list", "--json"], cliEnv);
    expect(list.code).toBe(0);
    const names = JSON.parse(list.stdout).map((a: { name: string }) => a.name);
    expect(names).toEqual(["blog", "shop"]);

    const dup = await runCli(["apps", "create", "blog"], cliEnv);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('An app named "blog" already exists');
    const bad = await runCli(["apps", "create", "Bad_Name"], cliEnv);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("lowercase");

    // Not without the name confirmed: a script gets the flag to add.
    const unconfirmed = await runCli(["apps", "delete", "shop"], cliEnv);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain("--confirm shop");
    expect((await runCli(["apps", "delete", "shop", "--confirm", "shop"], cliEnv)).code).toBe(0);
    const ghost = await runCli(["apps", "delete", "shop", "--confirm", "shop"], cliEnv);
    expect(ghost.code).toBe(1);
    expect(ghost.stderr).toContain('App "shop" does not exist');
    const after = await runCli(["apps", "list", "--json"], cliEnv);
    expect(JSON.parse(after.stdout).map((a: { name: string }) => a.name)).toEqual(["blog"]);
  });

  test("the CLI without a login says how to log in", async () => {
    const res = await runCli(["apps", "list"], { HOME: mkdtempSync(join(tmpdir(), "pier-nohome-")) });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("pier login");
  });

  test("the HTTP API: create, list, delete apps and clear error bodies", async () => {
    const created = await api("/api/v1/apps", { method: "POST", body: JSON.stringify({ name: "api-app" }) });
    expect(created.status).toBe(201);
    const list = await (await api("/api/v1/apps")).json();
    expect(list.apps.map((a: { name: string }) => a.name)).toContain("api-app");

    const cases: [string, RequestInit & { token?: string | null }, number, string][] = [
      ["/api/v1/apps", { method: "POST", body: JSON.stringify({}) }, 400, "invalid_request"],
      ["/api/v1/apps", { method: "POST", body: JSON.stringify({ name: "UPPER" }) }, 400, "invalid_request"],
      ["/api/v1/apps", { method: "POST", body: "{oops" }, 400, "invalid_request"],
      ["/api/v1/apps/nope", {}, 404, "not_found"],
      ["/api/v1/apps", { token: null }, 401, "unauthorized"],
      ["/api/v1/apps", { token: "pier_wrong" }, 401, "unauthorized"],
      ["/api/v1/apps", { method: "POST", body: JSON.stringify({ name: "api-app" }) }, 409, "conflict"],
    ];
    for (const [path, init, status, code] of cases) {
      const res = await api(path, init);
      expect(res.status).toBe(status);
      const body = await res.json();
      expect(body.error.code).toBe(code);
      expect(body.error.message.length).toBeGreaterThan(5);
    }
    expect((await api("/api/v1/apps/api-app", { method: "DELETE" })).status).toBe(200);
  });

  test("tokens: create through the CLI with a scope, 403 beyond it, revoke", async () => {
    const created = await runCli(["token", "create", "--name", "reader", "--scopes", "read"], cliEnv);
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^pier_/);
    expect((await api("/api/v1/apps", { token })).status).toBe(200);
    const denied = await api("/api/v1/apps", {
      token,
      method: "POST",
      body: JSON.stringify({ name: "nope" }),
    });
    expect(denied.status).toBe(403);
    expect((await denied.json()).error.code).toBe("forbidden");
    const list = await (await api("/api/v1/tokens")).json();
    const id = list.tokens.find((t: { name: string }) => t.name === "reader").id;
    expect((await runCli(["token", "revoke", id], cliEnv)).code).toBe(0);
    expect((await api("/api/v1/apps", { token })).status).toBe(401);
  });

  test("admin create writes a user the dashboard login accepts", async () => {
    const res = await runCli(
      ["admin", "create", "--data-dir", pier.dataDir, "--email", "Admin@Example.com", "--password-stdin"],
      {},
      "correct horse battery\n",
    );
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    const login = await fetch(`${pier.url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "admin@example.com", password: "correct horse battery" }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.get("set-cookie") ?? "";
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Lax");
    const weak = await runCli([
      "admin",
      "create",
      "--data-dir",
      pier.dataDir,
      "--email",
      "b@example.com",
      "--password",
      "short",
    ]);
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain("at least 10 characters");
    // A data dir no pier started in (a typo) is refused, and nothing is created there.
    const typo = join(pier.dataDir, "..", `not-a-data-dir-${Date.now()}`);
    const lost = await runCli(
      ["admin", "create", "--data-dir", typo, "--email", "c@example.com", "--password-stdin"],
      {},
      "correct horse battery\n",
    );
    expect(lost.code).toBe(2);
    expect(lost.stderr).toContain("is not a pier data dir");
    expect(existsSync(typo)).toBe(false);
  });

  test("SIGTERM shuts down gracefully and a restart keeps the data", async () => {
    const code = await pier.stop("SIGTERM");
    expect(code).toBe(0);
    expect(pier.logs()).toContain('"msg":"stopped"');
    pier = await startPier({ dataDir: pier.dataDir, env: { PIER_ADMIN_TOKEN: adminToken } });
    const list = await (await api("/api/v1/apps")).json();
    expect(list.apps.map((a: { name: string }) => a.name)).toEqual(["blog"]);
  });
});
