import { beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateSecretToken, LoginRateLimiter } from "@pier/auth";
import { silentLogger } from "@pier/core";
import { createStores, openDatabase, type Stores } from "@pier/db";
import { createApi } from "./app.ts";
import { seedAdminToken } from "./bootstrap.ts";
import type { ApiDeps, RoutePublisher } from "./context.ts";
import { openSetupGate } from "./setup-code.ts";

let stores: Stores;
let api: ReturnType<typeof createApi>;
let adminToken: string;
let published: number;
let setupCode: string;
let dataDir: string;

async function setup(publisher?: RoutePublisher, extra: Partial<ApiDeps> = {}) {
  dataDir = mkdtempSync(join(tmpdir(), "pier-api-"));
  const database = await openDatabase({ dataDir });
  stores = createStores(database);
  adminToken = generateSecretToken();
  await seedAdminToken(stores, adminToken);
  const gate = openSetupGate(dataDir, true);
  setupCode = gate.code!;
  api = createApi({
    stores,
    logger: silentLogger,
    version: "test",
    loginLimiter: new LoginRateLimiter({ maxFailures: 3, windowMs: 60_000 }),
    routePublisher: publisher,
    setup: gate.gate,
    ...extra,
  });
}

function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] = "application/json";
  }
  return api.request(path, init);
}

const asAdmin = (method: string, path: string, body?: unknown) =>
  call(method, path, body, { authorization: `Bearer ${adminToken}` });

beforeEach(async () => {
  published = 0;
  await setup({
    publish: async () => {
      published++;
      return { version: published, ackMs: 1 };
    },
  });
});

describe("health and errors", () => {
  test("/healthz answers without auth", async () => {
    const res = await call("GET", "/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, version: "test" });
  });

  test("unknown paths are JSON 404s", async () => {
    const res = await asAdmin("GET", "/api/v1/nope");
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe("not_found");
  });

  test("401 without or with a bad token, 403 with too small a scope", async () => {
    const missing = await call("GET", "/api/v1/apps");
    expect(missing.status).toBe(401);
    expect((await missing.json()).error.code).toBe("unauthorized");
    const bad = await call("GET", "/api/v1/apps", undefined, { authorization: "Bearer pier_nope" });
    expect(bad.status).toBe(401);
    expect((await bad.json()).error.message).toContain("unknown or revoked");
    const created = await (await asAdmin("POST", "/api/v1/tokens", { name: "ro", scopes: ["read"] })).json();
    const readOnly = { authorization: `Bearer ${created.token}` };
    expect((await call("GET", "/api/v1/apps", undefined, readOnly)).status).toBe(200);
    const denied = await call("POST", "/api/v1/apps", { name: "x" }, readOnly);
    expect(denied.status).toBe(403);
    expect((await denied.json()).error.message).toContain('needs "write"');
  });

  test("malformed JSON and unknown fields are clear 400s", async () => {
    const broken = await asAdmin("POST", "/api/v1/apps", "{not json");
    expect(broken.status).toBe(400);
    expect((await broken.json()).error.message).toContain("valid JSON");
    const extra = await asAdmin("POST", "/api/v1/apps", { name: "ok", colour: "red" });
    expect(extra.status).toBe(400);
    const missing = await asAdmin("POST", "/api/v1/apps", {});
    expect(missing.status).toBe(400);
    expect((await missing.json()).error.message).toContain("name");
  });
});

describe("apps", () => {
  test("create, list, get, delete; names validated; duplicates 409; unknown 404", async () => {
    expect((await asAdmin("POST", "/api/v1/apps", { name: "web" })).status).toBe(201);
    for (const name of ["Web", "-web", "a--b", "x".repeat(41), "web_1"]) {
      const res = await asAdmin("POST", "/api/v1/apps", { name });
      expect(res.status).toBe(400);
      expect((await res.json()).error.code).toBe("invalid_request");
    }
    const dup = await asAdmin("POST", "/api/v1/apps", { name: "web" });
    expect(dup.status).toBe(409);
    expect((await dup.json()).error.message).toContain("already exists");
    const list = await (await asAdmin("GET", "/api/v1/apps")).json();
    expect(list.apps.map((a: { name: string }) => a.name)).toEqual(["web"]);
    expect((await asAdmin("GET", "/api/v1/apps/ghost")).status).toBe(404);
    expect((await asAdmin("DELETE", "/api/v1/apps/web")).status).toBe(200);
    expect((await asAdmin("DELETE", "/api/v1/apps/web")).status).toBe(404);
  });

  test("domains attach once", async () => {
    await asAdmin("POST", "/api/v1/apps", { name: "web" });
    expect((await asAdmin("POST", "/api/v1/apps/web/domains", { host: "Web.Example.com" })).status).toBe(201);
    const again = await asAdmin("POST", "/api/v1/apps/web/domains", { host: "web.example.com" });
    expect(again.status).toBe(409);
    expect((await asAdmin("POST", "/api/v1/apps/web/domains", { host: "not a host" })).status).toBe(400);
    const app = await (await asAdmin("GET", "/api/v1/apps/web")).json();
    expect(app.app.domains).toEqual(["web.example.com"]);
  });

  test("a domain belongs to its app: another app cannot detach it, nor attach it", async () => {
    await asAdmin("POST", "/api/v1/apps", { name: "web" });
    await asAdmin("POST", "/api/v1/apps", { name: "api" });
    expect((await asAdmin("POST", "/api/v1/apps/web/domains", { host: "web.example.com" })).status).toBe(201);
    const detach = await asAdmin("DELETE", "/api/v1/apps/api/domains/web.example.com");
    expect(detach.status).toBe(404);
    expect((await detach.json()).error.message).toBe("The domain web.example.com is not attached to api.");
    const attach = await asAdmin("POST", "/api/v1/apps/api/domains", { host: "web.example.com" });
    expect(attach.status).toBe(409);
    expect((await attach.json()).error.message).toBe(
      "The domain web.example.com is attached to the app web: remove it there first (pier domains remove web.example.com --app web).",
    );
    expect((await (await asAdmin("GET", "/api/v1/apps/web")).json()).app.domains).toEqual([
      "web.example.com",
    ]);
    expect((await asAdmin("DELETE", "/api/v1/apps/web/domains/WEB.example.com")).status).toBe(200);
    expect((await (await asAdmin("GET", "/api/v1/apps/web")).json()).app.domains).toEqual([]);
  });

  test("IP addresses and wildcards are refused before anything is kept", async () => {
    await asAdmin("POST", "/api/v1/apps", { name: "web" });
    for (const [host, message] of [
      ["10.0.0.5", "not an IP address"],
      ["*.example.com", "cannot be wildcards"],
      ["bad host", "must be a host name like app.example.com"],
    ]) {
      const res = await asAdmin("POST", "/api/v1/apps/web/domains", { host });
      expect(res.status).toBe(400);
      expect((await res.json()).error.message).toContain(message!);
    }
    expect((await (await asAdmin("GET", "/api/v1/apps/web")).json()).app.domains).toEqual([]);
  });

  test("a domain whose certificate cannot be made is not kept", async () => {
    await setup(undefined, {
      certificates: {
        ensure: async (host) => {
          if (host === "refused.example.com") throw new Error("the certificate store refused it");
        },
        status: () => null,
        remove: async () => {},
      },
    });
    await asAdmin("POST", "/api/v1/apps", { name: "web" });
    expect((await asAdmin("POST", "/api/v1/apps/web/domains", { host: "refused.example.com" })).status).toBe(
      500,
    );
    expect((await (await asAdmin("GET", "/api/v1/apps/web")).json()).app.domains).toEqual([]);
    expect((await asAdmin("POST", "/api/v1/apps/web/domains", { host: "ok.example.com" })).status).toBe(201);
  });
});

describe("hosts two routes would claim", () => {
  const domainsOf = async (app: string) =>
    (await (await asAdmin("GET", `/api/v1/apps/${app}`)).json()).app.domains;

  test("an app's or a preview's own address is refused as a custom domain, naming the app", async () => {
    await setup(undefined, { baseDomain: "pier.test" });
    await asAdmin("POST", "/api/v1/apps", { name: "web" });
    await asAdmin("POST", "/api/v1/apps", { name: "api" });
    for (const [host, message] of [
      ["web.pier.test", "web.pier.test is the address pier gives the app web"],
      ["Feat-X--web.pier.test", "feat-x--web.pier.test is the address pier gives a preview of the app web"],
      ["api.pier.test", "api.pier.test is the address pier gives api"],
    ]) {
      const res = await asAdmin("POST", "/api/v1/apps/api/domains", { host });
      expect(res.status).toBe(409);
      expect((await res.json()).error.message).toStartWith(message!);
    }
    expect(await domainsOf("api")).toEqual([]);
    // A name under the base domain no app has is anyone's.
    expect((await asAdmin("POST", "/api/v1/apps/api/domains", { host: "docs.pier.test" })).status).toBe(201);
  });

  test("an app cannot be created under a name whose address is another app's custom domain", async () => {
    await setup(undefined, { baseDomain: "pier.test" });
    await asAdmin("POST", "/api/v1/apps", { name: "web" });
    expect((await asAdmin("POST", "/api/v1/apps/web/domains", { host: "shop.pier.test" })).status).toBe(201);
    expect((await asAdmin("POST", "/api/v1/apps/web/domains", { host: "pr1--blog.pier.test" })).status).toBe(
      201,
    );
    for (const [name, host] of [
      ["shop", "shop.pier.test"],
      ["blog", "pr1--blog.pier.test"],
    ]) {
      const res = await asAdmin("POST", "/api/v1/apps", { name });
      expect(res.status).toBe(409);
      expect((await res.json()).error.message).toBe(
        `An app named "${name}" would answer at ${host}, which is a custom domain of the app web: choose another name, or remove the domain first (pier domains remove ${host} --app web).`,
      );
    }
    expect((await (await asAdmin("GET", "/api/v1/apps")).json()).apps).toHaveLength(1);
    expect((await asAdmin("POST", "/api/v1/apps", { name: "shop2" })).status).toBe(201);
  });

  test("a host another route serves is refused before anything is stored", async () => {
    await setup({
      publish: async () => ({ version: 1, ackMs: 1 }),
      collect: async () =>
        [
          {
            kind: "upstreams",
            id: "rt_1",
            host: "static.example.com",
            pathPrefix: "/",
            upstreams: ["http://127.0.0.1:1"],
          },
        ] as never,
    });
    await asAdmin("POST", "/api/v1/apps", { name: "web" });
    const res = await asAdmin("POST", "/api/v1/apps/web/domains", { host: "static.example.com" });
    expect(res.status).toBe(409);
    expect((await res.json()).error.message).toBe(
      "static.example.com is served by the route rt_1 already: remove that first, or choose another domain.",
    );
    expect(await domainsOf("web")).toEqual([]);
  });

  test("a domain is kept only once its route is published: a failed or refused publish undoes it", async () => {
    const removedCerts: string[] = [];
    let outcome: "fail" | "left out" | "ok" = "fail";
    let webId = "";
    await setup(undefined, {
      certificates: {
        ensure: async () => {},
        status: () => null,
        remove: async (host) => removedCerts.push(host),
      },
      onDomainsChanged: async () => {
        if (outcome === "fail") throw new Error("the proxy did not take the new routes");
        if (outcome === "ok") return { conflicts: [] };
        const { apps } = await (await asAdmin("GET", "/api/v1/apps")).json();
        const other = apps.find((a: { name: string }) => a.name === "other");
        return {
          conflicts: [
            {
              host: "taken.example.com",
              pathPrefix: "/",
              kept: { id: "deploy:env_1:taken.example.com", appId: other.id },
              dropped: { id: "deploy:env_2:taken.example.com", appId: webId },
              message: "both claim",
            },
          ],
        };
      },
    });
    webId = (await (await asAdmin("POST", "/api/v1/apps", { name: "web" })).json()).app.id;
    await asAdmin("POST", "/api/v1/apps", { name: "other" });
    expect((await asAdmin("POST", "/api/v1/apps/web/domains", { host: "taken.example.com" })).status).toBe(
      500,
    );
    expect(await domainsOf("web")).toEqual([]);
    outcome = "left out";
    const refused = await asAdmin("POST", "/api/v1/apps/web/domains", { host: "taken.example.com" });
    expect(refused.status).toBe(409);
    expect((await refused.json()).error.message).toBe(
      "The domain taken.example.com is served by the app other already; nothing was changed.",
    );
    expect(await domainsOf("web")).toEqual([]);
    expect(removedCerts).toEqual(["taken.example.com", "taken.example.com"]);
    outcome = "ok";
    expect((await asAdmin("POST", "/api/v1/apps/web/domains", { host: "taken.example.com" })).status).toBe(
      201,
    );
    expect(await domainsOf("web")).toEqual(["taken.example.com"]);
  });
});

describe("tokens", () => {
  test("shown once, listed by hint, revoked tokens stop working", async () => {
    const created = await (
      await asAdmin("POST", "/api/v1/tokens", { name: "ci", scopes: ["deploy"] })
    ).json();
    expect(created.token).toMatch(/^pier_/);
    const list = await (await asAdmin("GET", "/api/v1/tokens")).json();
    expect(JSON.stringify(list)).not.toContain(created.token);
    const auth = { authorization: `Bearer ${created.token}` };
    expect((await call("GET", "/api/v1/apps", undefined, auth)).status).toBe(200);
    expect((await asAdmin("DELETE", `/api/v1/tokens/${created.id}`)).status).toBe(200);
    expect((await call("GET", "/api/v1/apps", undefined, auth)).status).toBe(401);
  });

  test("seeding the admin token is idempotent", async () => {
    expect(await seedAdminToken(stores, adminToken)).toBe("exists");
  });
});

describe("dashboard sessions", () => {
  test("first-run setup, login with cookie, CSRF on writes, logout", async () => {
    expect(await (await call("GET", "/api/v1/auth/setup")).json()).toEqual({ needsSetup: true });
    const weak = await call("POST", "/api/v1/auth/setup", { email: "me@example.com", password: "short" });
    expect(weak.status).toBe(400);
    const setupRes = await call("POST", "/api/v1/auth/setup", {
      email: "Me@Example.com",
      password: "a long password",
      setupCode,
    });
    expect(setupRes.status).toBe(201);
    expect(setupRes.headers.get("set-cookie")).toContain("HttpOnly");
    expect(
      (await call("POST", "/api/v1/auth/setup", { email: "x@example.org", password: "a long password" }))
        .status,
    ).toBe(409);

    const login = await call("POST", "/api/v1/auth/login", {
      email: "me@example.com",
      password: "a long password",
    });
    expect(login.status).toBe(200);
    const { csrfToken } = await login.json();
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
    expect((await call("GET", "/api/v1/apps", undefined, { cookie })).status).toBe(200);
    const noCsrf = await call("POST", "/api/v1/apps", { name: "web" }, { cookie });
    expect(noCsrf.status).toBe(403);
    expect((await noCsrf.json()).error.code).toBe("csrf_failed");
    expect(
      (await call("POST", "/api/v1/apps", { name: "web" }, { cookie, "x-csrf-token": csrfToken })).status,
    ).toBe(201);
    const logout = await call("POST", "/api/v1/auth/logout", undefined, {
      cookie,
      "x-csrf-token": csrfToken,
    });
    expect(logout.status).toBe(200);
    expect(logout.headers.get("set-cookie")).toStartWith("pier_session=;");
    expect((await call("GET", "/api/v1/apps", undefined, { cookie })).status).toBe(401);
    // A stale cookie is still cleared, no token needed: there is no session left to protect.
    expect((await call("POST", "/api/v1/auth/logout", undefined, { cookie })).status).toBe(200);
  });

  test("a cross-site POST to logout does not end the session", async () => {
    await call("POST", "/api/v1/auth/setup", {
      email: "me@example.com",
      password: "a long password",
      setupCode,
    });
    const login = await call("POST", "/api/v1/auth/login", {
      email: "me@example.com",
      password: "a long password",
    });
    const { csrfToken } = await login.json();
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
    // What a form or fetch on another site sends: the cookie, no X-CSRF-Token (or a wrong one).
    for (const headers of [{ cookie }, { cookie, "x-csrf-token": "csrf_guess" }] as Record<
      string,
      string
    >[]) {
      const forced = await call("POST", "/api/v1/auth/logout", undefined, headers);
      expect(forced.status).toBe(403);
      expect((await forced.json()).error.code).toBe("csrf_failed");
      expect(forced.headers.get("set-cookie")).toBeNull();
    }
    expect((await call("GET", "/api/v1/apps", undefined, { cookie })).status).toBe(200);
    // The dashboard's own logout sends the token and ends it.
    const own = await call("POST", "/api/v1/auth/logout", undefined, { cookie, "x-csrf-token": csrfToken });
    expect(own.status).toBe(200);
    expect((await call("GET", "/api/v1/apps", undefined, { cookie })).status).toBe(401);
  });

  test("under HTTPS the session cookie is __Host-pier_session, and only that name is read", async () => {
    await call("POST", "/api/v1/auth/setup", {
      email: "me@example.com",
      password: "a long password",
      setupCode,
    });
    const https = { "x-forwarded-proto": "https" };
    const login = await call(
      "POST",
      "/api/v1/auth/login",
      { email: "me@example.com", password: "a long password" },
      https,
    );
    const setCookie = login.headers.get("set-cookie")!;
    expect(setCookie).toStartWith("__Host-pier_session=ses_");
    expect(setCookie).toContain("; Path=/");
    expect(setCookie).toContain("; Secure");
    expect(setCookie).not.toContain("Domain");
    const { csrfToken } = await login.json();
    const sessionId = setCookie.split(";")[0]!.split("=")[1]!;
    const secureCookie = `__Host-pier_session=${sessionId}`;
    expect((await call("GET", "/api/v1/apps", undefined, { ...https, cookie: secureCookie })).status).toBe(
      200,
    );
    // A plain-named cookie, which a site under the same parent domain can set, is not read over HTTPS.
    const planted = `pier_session=${sessionId}`;
    expect((await call("GET", "/api/v1/apps", undefined, { ...https, cookie: planted })).status).toBe(401);
    // Nor the __Host- one over plain HTTP, where the browser would never have stored it.
    expect((await call("GET", "/api/v1/apps", undefined, { cookie: secureCookie })).status).toBe(401);
    const logout = await call("POST", "/api/v1/auth/logout", undefined, {
      ...https,
      cookie: secureCookie,
      "x-csrf-token": csrfToken,
    });
    expect(logout.status).toBe(200);
    expect(logout.headers.get("set-cookie")).toStartWith("__Host-pier_session=;");
    expect(logout.headers.get("set-cookie")).toContain("Secure");
    expect((await call("GET", "/api/v1/apps", undefined, { ...https, cookie: secureCookie })).status).toBe(
      401,
    );
  });

  test("a cross-site form cannot log in, and the session cannot open a WebSocket", async () => {
    await call("POST", "/api/v1/auth/setup", {
      email: "me@example.com",
      password: "a=long password",
      setupCode,
    });
    // What a form with enctype text/plain on another site sends: a JSON-looking body, no preflight.
    const form = await api.request("/api/v1/auth/login", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ email: "me@example.com", password: "a=long password" }),
    });
    expect(form.status).toBe(415);
    expect(form.headers.get("set-cookie")).toBeNull();
    expect((await form.json()).error.message).toContain("application/json");

    const login = await call("POST", "/api/v1/auth/login", {
      email: "me@example.com",
      password: "a=long password",
    });
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
    // A handshake is a GET with the cookie: what a page of another app under the same site can open.
    const upgrade = await call("GET", "/api/v1/apps", undefined, { cookie, upgrade: "websocket" });
    expect(upgrade.status).toBe(403);
    expect((await upgrade.json()).error.code).toBe("token_required");
    const withToken = await call("GET", "/api/v1/apps", undefined, {
      authorization: `Bearer ${adminToken}`,
      upgrade: "websocket",
    });
    expect(withToken.status).toBe(200);
    expect(withToken.headers.get("x-content-type-options")).toBe("nosniff");
    expect(upgrade.headers.get("x-content-type-options")).toBe("nosniff");
  });

  test("wrong passwords are rate limited with Retry-After", async () => {
    await call("POST", "/api/v1/auth/setup", {
      email: "me@example.com",
      password: "a long password",
      setupCode,
    });
    for (let i = 0; i < 3; i++) {
      const res = await call("POST", "/api/v1/auth/login", {
        email: "me@example.com",
        password: "wrong password",
      });
      expect(res.status).toBe(401);
    }
    const blocked = await call("POST", "/api/v1/auth/login", {
      email: "me@example.com",
      password: "a long password",
    });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  test("the first admin needs the setup code or an admin token, not just a reachable port", async () => {
    const bare = await call("POST", "/api/v1/auth/setup", {
      email: "me@example.com",
      password: "a long password",
    });
    expect(bare.status).toBe(403);
    expect((await bare.json()).error.code).toBe("setup_code_required");
    const wrong = await call("POST", "/api/v1/auth/setup", {
      email: "me@example.com",
      password: "a long password",
      setupCode: "AAAAA-AAAAA-AAAAA-AAAAA",
    });
    expect(wrong.status).toBe(403);
    expect(await (await call("GET", "/api/v1/auth/setup")).json()).toEqual({ needsSetup: true });
    // Typed by hand from the log: case and separators do not matter.
    const typed = await call("POST", "/api/v1/auth/setup", {
      email: "me@example.com",
      password: "a long password",
      setupCode: setupCode.toLowerCase().replaceAll("-", " "),
    });
    expect(typed.status).toBe(201);
    expect(existsSync(join(dataDir, "setup-code"))).toBe(false);
  });

  test("an admin token can create the first admin; a weaker token cannot", async () => {
    const write = await (await asAdmin("POST", "/api/v1/tokens", { name: "w", scopes: ["write"] })).json();
    const withWrite = await call(
      "POST",
      "/api/v1/auth/setup",
      { email: "me@example.com", password: "a long password" },
      { authorization: `Bearer ${write.token}` },
    );
    expect(withWrite.status).toBe(403);
    const withAdmin = await call(
      "POST",
      "/api/v1/auth/setup",
      { email: "me@example.com", password: "a long password" },
      { authorization: `Bearer ${adminToken}` },
    );
    expect(withAdmin.status).toBe(201);
  });

  test("wrong setup codes are rate limited like passwords", async () => {
    for (let i = 0; i < 3; i++) {
      const res = await call("POST", "/api/v1/auth/setup", {
        email: "me@example.com",
        password: "a long password",
        setupCode: `WRONG${i}`,
      });
      expect(res.status).toBe(403);
    }
    const blocked = await call("POST", "/api/v1/auth/setup", {
      email: "me@example.com",
      password: "a long password",
      setupCode,
    });
    expect(blocked.status).toBe(429);
  });

  test("X-Forwarded-For from an untrusted client does not open new login budgets", async () => {
    await call("POST", "/api/v1/auth/setup", {
      email: "me@example.com",
      password: "a long password",
      setupCode,
    });
    for (let i = 0; i < 3; i++) {
      const res = await call(
        "POST",
        "/api/v1/auth/login",
        { email: "me@example.com", password: "wrong password" },
        { "x-forwarded-for": `198.51.100.${i}` },
      );
      expect(res.status).toBe(401);
    }
    const rotated = await call(
      "POST",
      "/api/v1/auth/login",
      { email: "me@example.com", password: "a long password" },
      { "x-forwarded-for": "198.51.100.99" },
    );
    expect(rotated.status).toBe(429);
  });

  test("40 parallel wrong logins: only the limit's worth reach the password check", async () => {
    await call("POST", "/api/v1/auth/setup", {
      email: "me@example.com",
      password: "a long password",
      setupCode,
    });
    const statuses = await Promise.all(
      Array.from({ length: 40 }, () =>
        Promise.resolve(
          call("POST", "/api/v1/auth/login", { email: "me@example.com", password: "wrong password" }),
        ).then((r) => r.status),
      ),
    );
    expect(statuses.filter((s) => s === 401)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(37);
  });

  test("cli-token trades a password for an API token", async () => {
    await call("POST", "/api/v1/auth/setup", {
      email: "me@example.com",
      password: "a long password",
      setupCode,
    });
    const res = await call("POST", "/api/v1/auth/cli-token", {
      email: "me@example.com",
      password: "a long password",
    });
    expect(res.status).toBe(201);
    const { token } = await res.json();
    expect((await call("GET", "/api/v1/apps", undefined, { authorization: `Bearer ${token}` })).status).toBe(
      200,
    );
  });
});

describe("users", () => {
  async function signIn(email: string, password: string) {
    const login = await call("POST", "/api/v1/auth/login", { email, password });
    expect(login.status).toBe(200);
    const { csrfToken } = await login.json();
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
    return (method: string, path: string, body?: unknown) =>
      call(method, path, body, { cookie, "x-csrf-token": csrfToken });
  }

  test("an admin invites a second admin and a member with temporary passwords; roles decide what they may do", async () => {
    await call("POST", "/api/v1/auth/setup", {
      email: "first@example.com",
      password: "a long password",
      setupCode,
    });
    const first = await signIn("first@example.com", "a long password");
    const me = await (await first("GET", "/api/v1/auth/me")).json();
    expect(me.user.role).toBe("admin");

    const invited = await first("POST", "/api/v1/users", { email: "Second@Example.com", role: "admin" });
    expect(invited.status).toBe(201);
    const { user, temporaryPassword } = await invited.json();
    expect(user).toMatchObject({ email: "second@example.com", role: "admin", you: false });
    expect(temporaryPassword.length).toBeGreaterThanOrEqual(20);
    expect((await first("POST", "/api/v1/users", { email: "second@example.com" })).status).toBe(409);

    const second = await signIn("second@example.com", temporaryPassword);
    const { temporaryPassword: memberPassword } = await (
      await second("POST", "/api/v1/users", { email: "member@example.com" })
    ).json();
    const member = await signIn("member@example.com", memberPassword);
    expect((await member("GET", "/api/v1/users")).status).toBe(403);
    expect((await member("POST", "/api/v1/apps", { name: "web" })).status).toBe(201);

    const list = (await (await second("GET", "/api/v1/users")).json()).users;
    expect(list.map((u: { email: string; you: boolean }) => [u.email, u.you])).toEqual([
      ["first@example.com", false],
      ["second@example.com", true],
      ["member@example.com", false],
    ]);
  });

  test("the last admin can be neither demoted nor removed, nobody removes themselves, a removed user's tokens stop", async () => {
    await call("POST", "/api/v1/auth/setup", {
      email: "only@example.com",
      password: "a long password",
      setupCode,
    });
    const only = await signIn("only@example.com", "a long password");
    const users = (await (await only("GET", "/api/v1/users")).json()).users;
    const self = users[0].id;
    expect((await only("PATCH", `/api/v1/users/${self}`, { role: "member" })).status).toBe(409);
    expect((await only("DELETE", `/api/v1/users/${self}`)).status).toBe(403);

    const { user, temporaryPassword } = await (
      await only("POST", "/api/v1/users", { email: "dev@example.com", role: "admin" })
    ).json();
    const dev = await signIn("dev@example.com", temporaryPassword);
    const { token } = await (
      await dev("POST", "/api/v1/tokens", { name: "dev-ci", scopes: ["read"] })
    ).json();
    expect((await call("GET", "/api/v1/apps", undefined, { authorization: `Bearer ${token}` })).status).toBe(
      200,
    );
    expect((await only("PATCH", `/api/v1/users/${self}`, { role: "member" })).status).toBe(200);
    expect((await dev("DELETE", `/api/v1/users/${self}`)).status).toBe(200);
    expect((await dev("PATCH", `/api/v1/users/${user.id}`, { role: "member" })).status).toBe(409);

    // dev is the only admin left: another admin removes them.
    expect((await asAdmin("DELETE", `/api/v1/users/${user.id}`)).status).toBe(409);
    const ops = await (
      await dev("POST", "/api/v1/users", { email: "ops@example.com", role: "admin" })
    ).json();
    const opsSession = await signIn("ops@example.com", ops.temporaryPassword);
    const removed = await (await opsSession("DELETE", `/api/v1/users/${user.id}`)).json();
    expect(removed.revokedTokens).toBe(1);
    expect((await call("GET", "/api/v1/apps", undefined, { authorization: `Bearer ${token}` })).status).toBe(
      401,
    );
    expect((await dev("GET", "/api/v1/apps")).status).toBe(401);
  });

  test("a password change needs the current password and ends the other sessions", async () => {
    await call("POST", "/api/v1/auth/setup", {
      email: "me@example.com",
      password: "a long password",
      setupCode,
    });
    const here = await signIn("me@example.com", "a long password");
    const elsewhere = await signIn("me@example.com", "a long password");
    const wrong = await here("POST", "/api/v1/auth/password", {
      currentPassword: "not it",
      newPassword: "another long password",
    });
    expect(wrong.status).toBe(401);
    const short = await here("POST", "/api/v1/auth/password", {
      currentPassword: "a long password",
      newPassword: "short",
    });
    expect(short.status).toBe(400);
    const changed = await here("POST", "/api/v1/auth/password", {
      currentPassword: "a long password",
      newPassword: "another long password",
    });
    expect(changed.status).toBe(200);
    expect((await here("GET", "/api/v1/apps")).status).toBe(200);
    expect((await elsewhere("GET", "/api/v1/apps")).status).toBe(401);
    await signIn("me@example.com", "another long password");
  });
});

describe("static routes", () => {
  test("validated, stored and published; deletion publishes again", async () => {
    const bad = await asAdmin("POST", "/api/v1/routes", { host: "a.test", upstreams: ["ftp://x"] });
    expect(bad.status).toBe(400);
    // The route table's own rule, refused before anything is stored: plain HTTP with a port.
    for (const upstream of ["https://127.0.0.1:9999", "http://127.0.0.1:9999/", "http://localhost"]) {
      const refused = await asAdmin("POST", "/api/v1/routes", { host: "a.test", upstreams: [upstream] });
      expect(refused.status).toBe(400);
      expect((await refused.json()).error.message).toContain("upstream must be http://HOST:PORT");
    }
    expect(published).toBe(0);
    const res = await asAdmin("POST", "/api/v1/routes", {
      host: "a.test",
      upstreams: ["http://127.0.0.1:9999"],
    });
    expect(res.status).toBe(201);
    const { route } = await res.json();
    expect(published).toBe(1);
    expect((await (await asAdmin("GET", "/api/v1/routes")).json()).routes).toHaveLength(1);
    expect((await asAdmin("DELETE", `/api/v1/routes/${route.id}`)).status).toBe(200);
    expect(published).toBe(2);
  });

  test("a failed publish leaves no route behind", async () => {
    await setup({
      publish: async () => {
        throw new Error("workers did not acknowledge");
      },
    });
    const res = await asAdmin("POST", "/api/v1/routes", {
      host: "a.test",
      upstreams: ["http://127.0.0.1:9999"],
    });
    expect(res.status).toBe(500);
    expect(await stores.routes.list()).toEqual([]);
  });
});
