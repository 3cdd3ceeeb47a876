import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { databaseBackends } from "../support/database-backends.ts";
import { call, type Outcome } from "../support/http-outcome.ts";
import { type PierProcess, startPier } from "../support/pier-process.ts";

// "Bad input gets a clear error and loses nothing; never crash the server on a bad request",
// across the whole control-plane API of the compiled binary: every route below exists (checked
// first), gets malformed bodies, bad ids and bad query params, and must answer a 4xx JSON error.
// Afterwards the objects made in beforeAll read back exactly as before and /healthz still answers.
// Runs on SQLite, and on PostgreSQL too when PIER_TEST_POSTGRES_URL is set (required in CI).

interface RouteCase {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** `{name}` placeholders are filled from the objects made in beforeAll, or fuzzed one at a time. */
  path: string;
  /** A body the route accepts the shape of; its fields get wrong types one at a time. */
  body?: Record<string, unknown>;
  /** Query parameters the route reads; each gets wrong types, negative and huge numbers. */
  query?: string[];
  /** Placeholders whose route answers 2xx for any string (a free-form name, not a lookup). */
  freeForm?: string[];
  /** The body is an archive, not JSON: it still gets the JSON variants, which must be refused. */
  upload?: boolean;
  /** Placeholder values for the query-param requests (a delete must not find the real object). */
  queryIds?: Record<string, string>;
}

const routes: RouteCase[] = [
  // Core API (packages/api)
  { method: "GET", path: "/api/v1/auth/setup" },
  { method: "POST", path: "/api/v1/auth/setup", body: { email: "a@example.test", password: "x" } },
  { method: "POST", path: "/api/v1/auth/login", body: { email: "a@example.test", password: "x" } },
  {
    method: "POST",
    path: "/api/v1/auth/cli-token",
    body: { email: "a@example.test", password: "x", name: "n" },
  },
  { method: "POST", path: "/api/v1/auth/logout" },
  { method: "GET", path: "/api/v1/auth/me" },
  { method: "GET", path: "/api/v1/apps" },
  { method: "POST", path: "/api/v1/apps", body: { name: "robust-app", defaultBranch: "main" } },
  { method: "GET", path: "/api/v1/apps/{app}" },
  { method: "DELETE", path: "/api/v1/apps/{app}" },
  { method: "GET", path: "/api/v1/apps/{app}/domains" },
  { method: "POST", path: "/api/v1/apps/{app}/domains", body: { host: "robust.example.test" } },
  { method: "DELETE", path: "/api/v1/apps/{app}/domains/{host}" },
  { method: "GET", path: "/api/v1/tokens" },
  { method: "POST", path: "/api/v1/tokens", body: { name: "t", scopes: ["read"] } },
  { method: "DELETE", path: "/api/v1/tokens/{token}" },
  { method: "GET", path: "/api/v1/routes" },
  {
    method: "POST",
    path: "/api/v1/routes",
    body: {
      host: "static.example.test",
      upstreams: ["http://127.0.0.1:9"],
      stripPrefix: false,
      maxBodyBytes: 10,
    },
  },
  { method: "DELETE", path: "/api/v1/routes/{route}" },
  // Certificates, proxy status, settings (apps/pier/src/modules)
  { method: "GET", path: "/api/v1/certificates" },
  { method: "POST", path: "/api/v1/certificates/{host}/renew" },
  { method: "GET", path: "/api/v1/proxy" },
  { method: "GET", path: "/api/v1/settings" },
  {
    method: "PUT",
    path: "/api/v1/settings",
    body: { baseDomain: "robust.test", acmeEmail: "ops@example.test" },
  },
  // Deploy (apps/pier/src/modules/deploy/api.ts)
  { method: "GET", path: "/api/v1/apps-overview" },
  { method: "GET", path: "/api/v1/apps/{app}/deployments", query: ["limit"] },
  { method: "GET", path: "/api/v1/deployments/{deployment}" },
  { method: "GET", path: "/api/v1/deployments/{deployment}/log" },
  { method: "POST", path: "/api/v1/apps/{app}/deploy", query: ["branch"], upload: true },
  { method: "POST", path: "/api/v1/apps/{app}/deploy/static", query: ["branch"], upload: true },
  {
    method: "POST",
    path: "/api/v1/apps/{app}/deploy/image",
    body: { image: "nginx:1", port: 80, branch: "main" },
  },
  { method: "POST", path: "/api/v1/apps/{app}/rollback", body: { to: "dep_nope" } },
  { method: "GET", path: "/api/v1/apps/{app}/environments" },
  { method: "GET", path: "/api/v1/apps/{app}/env" },
  {
    method: "PUT",
    path: "/api/v1/apps/{app}/env",
    body: { key: "ROBUST_KEY", value: "v", secret: true, environment: "" },
  },
  {
    method: "DELETE",
    path: "/api/v1/apps/{app}/env/{envKey}",
    query: ["environment"],
    queryIds: { envKey: "NOT_SET_KEY" },
  },
  { method: "GET", path: "/api/v1/apps/{app}/logs", query: ["tail"] },
  { method: "GET", path: "/api/v1/apps/{app}/metrics", query: ["minutes"] },
  // Errors (apps/pier/src/modules/errors/api.ts)
  { method: "GET", path: "/api/v1/errors/projects" },
  {
    method: "POST",
    path: "/api/v1/errors/projects",
    body: {
      name: "robust-proj",
      platform: "node",
      rateLimitPerMinute: 10,
      webhookUrl: null,
      webhookSecret: null,
    },
  },
  { method: "GET", path: "/api/v1/errors/projects/{project}" },
  {
    method: "PATCH",
    path: "/api/v1/errors/projects/{project}",
    body: { platform: "node", rateLimitPerMinute: 10 },
  },
  { method: "POST", path: "/api/v1/errors/projects/{project}/rotate-key" },
  { method: "DELETE", path: "/api/v1/errors/projects/{project}" },
  { method: "PUT", path: "/api/v1/errors/apps/{app}/project" },
  { method: "GET", path: "/api/v1/errors/projects/{project}/events/{event}" },
  { method: "PUT", path: "/api/v1/errors/projects/{project}/releases/{release}/sourcemaps", query: ["file"] },
  {
    method: "GET",
    path: "/api/v1/errors/projects/{project}/releases/{release}/sourcemaps",
    freeForm: ["release"],
  },
  {
    method: "GET",
    path: "/api/v1/errors/issues",
    query: ["project", "app", "status", "sort", "limit", "offset", "query"],
  },
  { method: "GET", path: "/api/v1/errors/issues/{issue}", query: ["period"] },
  {
    method: "PATCH",
    path: "/api/v1/errors/issues/{issue}",
    body: { status: "resolved", resolvedInRelease: null },
  },
  { method: "DELETE", path: "/api/v1/errors/issues/{issue}" },
  { method: "GET", path: "/api/v1/errors/issues/{issue}/events", query: ["limit", "before"] },
  { method: "GET", path: "/api/v1/errors/settings" },
  // Analytics (packages/analytics/src/http/query-routes.ts); a site that is not an app is a host.
  { method: "GET", path: "/api/v1/analytics" },
  ...["overview", "timeseries", "events", "vitals", "requests", "dashboard"].map(
    (view): RouteCase => ({
      method: "GET",
      path: `/api/v1/analytics/{site}/${view}`,
      query: ["period", "from", "to", "limit", "interval"],
      freeForm: ["site"],
    }),
  ),
  { method: "GET", path: "/api/v1/analytics/{site}/realtime", freeForm: ["site"] },
  {
    method: "GET",
    path: "/api/v1/analytics/{site}/breakdown/{dimension}",
    query: ["period", "limit"],
    freeForm: ["site"],
  },
  {
    method: "GET",
    path: "/api/v1/analytics/{site}/events/{eventName}/props",
    freeForm: ["site", "eventName"],
  },
  {
    method: "POST",
    path: "/api/v1/analytics/{site}/funnel",
    body: { steps: [{ type: "page", value: "/" }], from: 0, to: 1, period: "7d" },
    freeForm: ["site"],
  },
  { method: "GET", path: "/api/v1/analytics/{site}/settings", freeForm: ["site"] },
  {
    method: "PUT",
    path: "/api/v1/analytics/{site}/settings",
    body: { respectDnt: true, autoInject: false },
    freeForm: ["site"],
  },
  // Uptime (apps/pier/src/modules/uptime/*-api.ts)
  { method: "GET", path: "/api/v1/monitors" },
  {
    method: "POST",
    path: "/api/v1/monitors",
    body: {
      name: "robust-mon",
      target: "http://127.0.0.1:9/",
      intervalSeconds: 3600,
      enabled: false,
      http: { expectedStatus: "204" },
    },
  },
  { method: "GET", path: "/api/v1/monitors/{monitor}" },
  { method: "PATCH", path: "/api/v1/monitors/{monitor}", body: { intervalSeconds: 3600, enabled: false } },
  { method: "DELETE", path: "/api/v1/monitors/{monitor}" },
  { method: "POST", path: "/api/v1/monitors/{monitor}/check" },
  { method: "GET", path: "/api/v1/monitors/{monitor}/checks", query: ["limit"] },
  { method: "GET", path: "/api/v1/incidents", query: ["monitor", "open", "limit"] },
  { method: "GET", path: "/api/v1/notification-channels" },
  {
    method: "POST",
    path: "/api/v1/notification-channels",
    body: {
      name: "robust-chan",
      events: [],
      enabled: true,
      config: { kind: "webhook", url: "http://127.0.0.1:9/" },
    },
  },
  { method: "GET", path: "/api/v1/notification-channels/{channel}" },
  {
    method: "PATCH",
    path: "/api/v1/notification-channels/{channel}",
    body: { name: "robust-chan", enabled: true },
  },
  { method: "DELETE", path: "/api/v1/notification-channels/{channel}" },
  { method: "POST", path: "/api/v1/notification-channels/{channel}/test", body: { message: "hi" } },
  { method: "GET", path: "/api/v1/status-pages" },
  {
    method: "POST",
    path: "/api/v1/status-pages",
    body: { slug: "robust-status", title: "Robust", description: "d", monitors: ["robust-mon"] },
  },
  { method: "GET", path: "/api/v1/status-pages/{page}" },
  {
    method: "PATCH",
    path: "/api/v1/status-pages/{page}",
    body: { title: "Robust", monitors: ["robust-mon"] },
  },
  { method: "DELETE", path: "/api/v1/status-pages/{page}" },
  // AI gateway operator API (packages/ai-gateway/src/http/admin-routes.ts)
  { method: "GET", path: "/api/v1/ai/providers" },
  {
    method: "POST",
    path: "/api/v1/ai/providers",
    body: {
      name: "robust-prov",
      kind: "openai-compatible",
      baseUrl: "http://127.0.0.1:9/v1",
      models: ["m1"],
    },
  },
  { method: "DELETE", path: "/api/v1/ai/providers/{provider}" },
  { method: "GET", path: "/api/v1/ai/aliases" },
  { method: "POST", path: "/api/v1/ai/aliases", body: { name: "robust-alias", targets: ["robust-prov/m1"] } },
  { method: "DELETE", path: "/api/v1/ai/aliases/{alias}" },
  { method: "GET", path: "/api/v1/ai/keys" },
  {
    method: "POST",
    path: "/api/v1/ai/keys",
    body: { name: "k", app: "robust-app", allowedModels: [], requestsPerMinute: 5, monthlyBudgetUsd: 1 },
  },
  { method: "PATCH", path: "/api/v1/ai/keys/{aiKey}", body: { requestsPerMinute: 60, monthlyBudgetUsd: 5 } },
  { method: "DELETE", path: "/api/v1/ai/keys/{aiKey}" },
  { method: "GET", path: "/api/v1/ai/prices" },
  {
    method: "PUT",
    path: "/api/v1/ai/prices/{model}",
    body: { inputPerMillion: 1, outputPerMillion: 2 },
    // Prices may name any model; the DELETE below removes the ones this run adds.
    freeForm: ["model"],
  },
  // The PUT above may have priced the fuzzed names, so deleting them can answer 200.
  { method: "DELETE", path: "/api/v1/ai/prices/{model}", freeForm: ["model"] },
  { method: "GET", path: "/api/v1/ai/settings" },
  { method: "PATCH", path: "/api/v1/ai/settings", body: { timeoutMs: 60_000, retries: 1 } },
  { method: "POST", path: "/api/v1/ai/cache/clear" },
  { method: "GET", path: "/api/v1/ai/usage", query: ["limit", "app"] },
  { method: "GET", path: "/api/v1/ai/spend", query: ["from", "to", "interval", "app"] },
];

/** Path values that name nothing, or name something in a way no route should follow. */
const badIds: Record<string, string> = {
  missing: "does-not-exist-7",
  dotdot: "..%2F..%2Fetc%2Fpasswd",
  backslash: "..%5C..%5Cwindows",
  nul: "a%00b",
  long: "x".repeat(5000),
  unicode: encodeURIComponent("ünïcødé-😀-名前"),
  badPercent: "%E0%A4%A",
  number: "99999999999999999999",
  negative: "-1",
};
const badQueryValues = [
  "abc",
  "-1",
  "-99999999999",
  "99999999999999999999",
  "1e309",
  "NaN",
  "",
  "%00",
  "x".repeat(5000),
];
const twoMiB = "x".repeat(2 * 1024 * 1024);
const deepJson = (field: string) => `{"${field}":${'{"a":'.repeat(5000)}1${"}".repeat(5000)}}`;

function wrongTypeFor(value: unknown): unknown {
  if (typeof value === "string") return 12345;
  if (typeof value === "number") return "not-a-number";
  if (typeof value === "boolean") return "yes";
  if (Array.isArray(value)) return { not: "an array" };
  if (value === null) return [1, 2];
  return "not-an-object";
}

/** The requests one route gets: label, path, init. */
function badRequests(route: RouteCase, ids: Record<string, string>, token: string) {
  const fill = (path: string, override: Record<string, string> = {}) =>
    path.replace(/\{(\w+)\}/g, (_, name: string) => override[name] ?? encodePathValue(ids[name]!));
  const auth = { authorization: `Bearer ${token}` };
  const json = { ...auth, "content-type": "application/json" };
  const out: { label: string; path: string; init: RequestInit; allow2xx?: boolean }[] = [];
  if (route.body || route.upload) {
    const path = fill(route.path);
    const send = (label: string, body: string, headers: Record<string, string> = json) =>
      out.push({ label, path, init: { method: route.method, headers, body } });
    send("malformed JSON", '{"name": "x", ');
    send("JSON array", "[1,2,3]");
    send("JSON null", "null");
    send("JSON string", '"just a string"');
    send("JSON number", "42");
    send("unknown fields only", JSON.stringify({ zzUnknownField: 1, __proto__x: { a: 1 } }));
    send("form body with a form content-type", "name=x&value=y", {
      ...auth,
      "content-type": "application/x-www-form-urlencoded",
    });
    const first = Object.keys(route.body ?? { name: "" })[0]!;
    send("NUL in a string field", JSON.stringify({ ...route.body, [first]: "a\u0000b" }));
    send("2 MiB string field", JSON.stringify({ ...route.body, [first]: twoMiB }));
    send("nested 5000 deep", deepJson(first));
    for (const [field, value] of Object.entries(route.body ?? {})) {
      send(`wrong type for ${field}`, JSON.stringify({ ...route.body, [field]: wrongTypeFor(value) }));
    }
  }
  for (const name of route.path.matchAll(/\{(\w+)\}/g).map((m) => m[1]!)) {
    for (const [kind, value] of Object.entries(badIds)) {
      out.push({
        label: `${name}=${kind}`,
        path: fill(route.path, { [name]: value }),
        init: {
          method: route.method,
          headers: json,
          body: route.body ? JSON.stringify(route.body) : undefined,
        },
        // A free-form name may answer 2xx (an empty list), but never 5xx.
        allow2xx: route.freeForm?.includes(name),
      });
    }
  }
  for (const param of route.query ?? []) {
    for (const value of badQueryValues) {
      out.push({
        label: `?${param}=${value.slice(0, 20)}`,
        // Lookups with a bad id answer 404 first; query params are checked on a real object.
        path: `${fill(route.path, route.queryIds)}?${param}=${value}`,
        init: { method: route.method, headers: json },
        // Optional numbers fall back to their default (limit=abc lists the default page): a clear
        // answer too, so only a 5xx, a hang or a non-JSON error fails here.
        allow2xx: true,
      });
    }
  }
  return out;
}

const actsOn = (route: RouteCase) =>
  route.method === "DELETE" ||
  /\/(test|check|rotate-key|renew|deploy|deploy\/static|rollback)$/.test(route.path);

function encodePathValue(value: string): string {
  // Models are `provider/model`: the route takes the rest of the path, slashes included.
  return value.split("/").map(encodeURIComponent).join("/");
}

/** What is wrong with an answer to a bad request, or null when it is a clear 4xx JSON error. */
function problemWith(outcome: Outcome, allow2xx = false): string | null {
  if (allow2xx && outcome.status < 300) return null;
  if (outcome.status < 400 || outcome.status >= 500) return `status ${outcome.status}`;
  if (!outcome.contentType.includes("application/json")) return `content-type ${outcome.contentType}`;
  const error = (outcome.body as { error?: { code?: unknown; message?: unknown } })?.error;
  if (typeof error?.code !== "string" || !error.code) return "no error.code";
  if (typeof error.message !== "string" || !error.message.trim()) return "no error.message";
  return null;
}

// The core API's 404 for an unknown path names the method and path ("Route "GET /x" does not
// exist"); a 404 for a missing object (a static route among them) names only the object.
const isRouteNotFound = (o: Outcome) =>
  o.status === 405 ||
  (o.status === 404 &&
    /^Route "[A-Z]+ \//.test((o.body as { error?: { message?: string } })?.error?.message ?? ""));

/** GETs whose answers must read the same after the run (volatile fields dropped). */
const snapshotPaths = [
  "/api/v1/apps",
  "/api/v1/apps/robust-app",
  "/api/v1/apps/robust-app/env",
  "/api/v1/tokens",
  "/api/v1/routes",
  "/api/v1/settings",
  "/api/v1/monitors/robust-mon",
  "/api/v1/notification-channels/robust-chan",
  "/api/v1/status-pages/robust-status",
  "/api/v1/ai/providers",
  "/api/v1/ai/aliases",
  "/api/v1/ai/keys",
  "/api/v1/ai/prices",
  "/api/v1/ai/settings",
  "/api/v1/errors/projects/{project}",
  "/api/v1/analytics/robust-app/settings",
];
const volatile = new Set([
  "lastUsedAt",
  "lastCheckAt",
  "lastCheckedAt",
  "stats",
  "checks",
  "uptime",
  "latency",
]);
const stable = (value: unknown): unknown =>
  JSON.parse(JSON.stringify(value), (key, v) => (volatile.has(key) ? undefined : v));

const backends = databaseBackends("pier_robust");

for (const backend of backends) {
  describe(`API robustness (${backend.name})`, () => {
    const token = `pier_robust${crypto.randomUUID().replaceAll("-", "")}`;
    let pier: PierProcess;
    let readToken = "";
    const ids: Record<string, string> = {
      app: "robust-app",
      host: "robust.example.test",
      envKey: "ROBUST_KEY",
      monitor: "robust-mon",
      channel: "robust-chan",
      page: "robust-status",
      provider: "robust-prov",
      alias: "robust-alias",
      model: "robust-prov/m1",
      release: "v1",
      site: "robust-app",
      dimension: "page",
      eventName: "signup",
      // Nothing ingests errors or deploys here: these exist as routes, never as rows.
      issue: "iss_nope",
      event: "evt_nope",
      deployment: "dep_nope",
    };
    const before = new Map<string, unknown>();

    async function api(method: string, path: string, body?: unknown, as = token) {
      const outcome = await call(`${pier.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${as}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (outcome.status >= 300)
        throw new Error(`${method} ${path} -> ${outcome.status} ${JSON.stringify(outcome.body)}`);
      return outcome.body;
    }
    const snapshotPath = (p: string) => p.replace("{project}", ids.project!);

    beforeAll(async () => {
      pier = await startPier({
        env: { PIER_ADMIN_TOKEN: token, ...(await backend.env()) },
        args: ["--proxy-workers", "1"],
      });
      await api("POST", "/api/v1/apps", { name: "robust-app" });
      await api("POST", "/api/v1/apps/robust-app/domains", { host: "robust.example.test" });
      await api("PUT", "/api/v1/apps/robust-app/env", { key: "ROBUST_KEY", value: "kept" });
      const reader = await api("POST", "/api/v1/tokens", { name: "reader", scopes: ["read"] });
      readToken = (reader as { token: string }).token;
      ids.token = (reader as { id: string }).id;
      const route = await api("POST", "/api/v1/routes", {
        host: "static.example.test",
        upstreams: ["http://127.0.0.1:9"],
      });
      ids.route = (route as { route: { id: string } }).route.id;
      await api("PUT", "/api/v1/settings", { baseDomain: "robust.test" });
      await api(
        "POST",
        "/api/v1/monitors",
        routes.find((r) => r.method === "POST" && r.path === "/api/v1/monitors")!.body,
      );
      await api("POST", "/api/v1/notification-channels", {
        name: "robust-chan",
        events: ["deploy.failed"],
        config: { kind: "webhook", url: "http://127.0.0.1:9/", secret: "whsec_robustrobustrobust" },
      });
      await api("POST", "/api/v1/status-pages", {
        slug: "robust-status",
        title: "Robust",
        monitors: ["robust-mon"],
      });
      await api(
        "POST",
        "/api/v1/ai/providers",
        routes.find((r) => r.method === "POST" && r.path === "/api/v1/ai/providers")!.body,
      );
      await api("POST", "/api/v1/ai/aliases", { name: "robust-alias", targets: ["robust-prov/m1"] });
      const key = await api("POST", "/api/v1/ai/keys", { name: "robust-key", app: "robust-app" });
      ids.aiKey = (key as { key: { id: string } }).key.id;
      // Not the defaults: a patch that resets unnamed fields to defaults shows in the snapshot.
      await api("PATCH", "/api/v1/ai/settings", { timeoutMs: 30_000, retries: 2 });
      await api("PUT", "/api/v1/ai/prices/robust-prov/m1", { inputPerMillion: 1, outputPerMillion: 2 });
      const project = await api("POST", "/api/v1/errors/projects", { name: "robust-proj" });
      ids.project = String((project as { project: { id: number } }).project.id);
      await api("PUT", "/api/v1/analytics/robust-app/settings", { respectDnt: true, autoInject: false });
      for (const p of snapshotPaths) before.set(p, stable(await api("GET", snapshotPath(p))));
    }, 60_000);
    afterAll(async () => {
      await pier?.stop();
    });

    test("every route in the table exists", async () => {
      const missing: string[] = [];
      for (const route of routes) {
        const path = route.path.replace(/\{(\w+)\}/g, (_, n: string) =>
          // Routes that act (delete, send, check, rotate, renew, deploy) are checked on a name that
          // does not exist: the route answers, and nothing happens.
          actsOn(route) ? "does-not-exist-7" : encodePathValue(ids[n]!),
        );
        const outcome = await call(`${pier.url}${path}`, {
          method: route.method,
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          // An empty object: creates fail validation, so existence is proven without side effects.
          body: route.body || route.method !== "GET" ? "{}" : undefined,
        });
        if (isRouteNotFound(outcome) || outcome.status >= 500)
          missing.push(`${route.method} ${route.path}: ${outcome.status} ${JSON.stringify(outcome.body)}`);
      }
      expect(missing).toEqual([]);
      expect(routes.length).toBeGreaterThanOrEqual(90);
    });

    test("bad bodies, ids and query params get a 4xx JSON error, never a 5xx", async () => {
      const problems: string[] = [];
      let sent = 0;
      for (const route of routes) {
        const requests = badRequests(route, ids, token);
        // A few at a time: fast, and a hang still shows which request it was.
        for (let i = 0; i < requests.length; i += 8) {
          await Promise.all(
            requests.slice(i, i + 8).map(async (r) => {
              sent++;
              try {
                const outcome = await call(`${pier.url}${r.path}`, r.init);
                const problem = problemWith(outcome, r.allow2xx);
                if (problem)
                  problems.push(
                    `${route.method} ${route.path} [${r.label}]: ${problem} ${JSON.stringify(outcome.body).slice(0, 200)}`,
                  );
              } catch (error) {
                problems.push(`${route.method} ${route.path} [${r.label}]: ${(error as Error).message}`);
              }
            }),
          );
        }
      }
      expect(problems).toEqual([]);
      expect(sent).toBeGreaterThan(1000);
    }, 120_000);

    test("no token is 401, a read-scoped token writing is 403, both as JSON errors", async () => {
      const problems: string[] = [];
      for (const route of routes) {
        if (route.path.startsWith("/api/v1/auth/") && route.path !== "/api/v1/auth/me") continue;
        const path = route.path.replace(/\{(\w+)\}/g, (_, n: string) => encodePathValue(ids[n]!));
        const body = route.body ? JSON.stringify(route.body) : undefined;
        const anonymous = await call(`${pier.url}${path}`, {
          method: route.method,
          headers: { "content-type": "application/json" },
          body,
        });
        if (anonymous.status !== 401 || problemWith(anonymous))
          problems.push(`anonymous ${route.method} ${route.path}: ${anonymous.status}`);
        if (route.method === "GET" || route.path.endsWith("/funnel")) continue;
        const reader = await call(`${pier.url}${path}`, {
          method: route.method,
          headers: { authorization: `Bearer ${readToken}`, "content-type": "application/json" },
          body,
        });
        if (reader.status !== 403 || problemWith(reader))
          problems.push(`read token ${route.method} ${route.path}: ${reader.status}`);
      }
      expect(problems).toEqual([]);
    });

    test("a burst of 1000 bad requests, 50 at a time, leaves the server answering", async () => {
      // Requests that may succeed and write (a price for a free-form model name) stay out of it.
      const pool = routes
        .flatMap((r) => badRequests(r, ids, token))
        .filter((r) => !r.label.includes("2 MiB") && !(r.allow2xx && r.init.method !== "GET"));
      let next = 0;
      const statuses = new Map<number, number>();
      const deadline = AbortSignal.timeout(60_000);
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          while (next < 1000 && !deadline.aborted) {
            const r = pool[next++ % pool.length]!;
            const res = await fetch(`${pier.url}${r.path}`, { ...r.init, signal: deadline });
            await res.arrayBuffer();
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          }
        }),
      );
      expect(next).toBeGreaterThanOrEqual(1000);
      expect([...statuses.keys()].filter((s) => s >= 500)).toEqual([]);
    }, 90_000);

    // zod 4 applies defaults under .optional(): patch schemas built with .partial() reset every
    // field a patch left out (the dashboard's pause button reset a monitor's interval to 60 s).
    test("a patch naming one field leaves the others as they were", async () => {
      await api("PATCH", "/api/v1/monitors/robust-mon", { enabled: false });
      await api("PATCH", "/api/v1/status-pages/robust-status", { title: "Robust" });
      await api("PATCH", "/api/v1/notification-channels/robust-chan", { enabled: true });
      await api("PATCH", "/api/v1/ai/settings", { retries: 2 });
      await api("PATCH", `/api/v1/errors/projects/${ids.project}`, { platform: "javascript" });
      const monitor = (await api("GET", "/api/v1/monitors/robust-mon")) as {
        monitor: { intervalSeconds: number; http: { expectedStatus: string } };
      };
      expect(monitor.monitor.intervalSeconds).toBe(3600);
      expect(monitor.monitor.http.expectedStatus).toBe("204");
      const settings = (await api("GET", "/api/v1/ai/settings")) as { settings: { timeoutMs: number } };
      expect(settings.settings.timeoutMs).toBe(30_000);
      // The rest (status page monitors, channel events) is compared in the snapshot below.
    });

    // Create bodies are strict like the patches: a misspelt field used to be dropped silently (a
    // monitor created with `intervalSecond: 3600` checked every 60 s, and answered 201).
    test("a create body with a misspelt field is a 400 naming it, and creates nothing", async () => {
      const creates: [path: string, body: Record<string, unknown>, misspelt: string, readBack: string][] = [
        [
          "/api/v1/monitors",
          { name: "typo-mon", target: "http://127.0.0.1:9/", intervalSecond: 3600 },
          "intervalSecond",
          "/api/v1/monitors/typo-mon",
        ],
        [
          "/api/v1/monitors",
          { name: "typo-mon", target: "http://127.0.0.1:9/", http: { expectedStatuss: "204" } },
          "expectedStatuss",
          "/api/v1/monitors/typo-mon",
        ],
        [
          "/api/v1/status-pages",
          { slug: "typo-page", title: "T", monitor: ["robust-mon"] },
          "monitor",
          "/api/v1/status-pages/typo-page",
        ],
        [
          "/api/v1/notification-channels",
          {
            name: "typo-chan",
            event: ["deploy.failed"],
            config: { kind: "slack", url: "http://127.0.0.1:9/" },
          },
          "event",
          "/api/v1/notification-channels/typo-chan",
        ],
        [
          "/api/v1/notification-channels",
          {
            name: "typo-chan",
            config: { kind: "webhook", url: "http://127.0.0.1:9/", secert: "whsec_typotypotypotypo" },
          },
          "secert",
          "/api/v1/notification-channels/typo-chan",
        ],
        [
          "/api/v1/ai/providers",
          { name: "typo-prov", kind: "openai-compatible", baseUrl: "http://127.0.0.1:9/v1", model: ["m1"] },
          "model",
          "/api/v1/ai/providers",
        ],
        [
          "/api/v1/ai/aliases",
          { name: "typo-alias", targets: ["robust-prov/m1"], fallback: true },
          "fallback",
          "/api/v1/ai/aliases",
        ],
        [
          "/api/v1/ai/keys",
          { name: "typo-key", app: "robust-app", monthlyBudget: 5 },
          "monthlyBudget",
          "/api/v1/ai/keys",
        ],
      ];
      const problems: string[] = [];
      for (const [path, body, misspelt, readBack] of creates) {
        const o = await call(`${pier.url}${path}`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        const message = (o.body as { error?: { message?: string } })?.error?.message ?? "";
        if (o.status !== 400 || !message.includes(misspelt))
          problems.push(`POST ${path} with ${misspelt}: ${o.status} ${JSON.stringify(o.body).slice(0, 200)}`);
        const after = await call(`${pier.url}${readBack}`, { headers: { authorization: `Bearer ${token}` } });
        if (after.status === 200 && JSON.stringify(after.body).includes('"typo-'))
          problems.push(`POST ${path} with ${misspelt} created it anyway`);
      }
      const price = await call(`${pier.url}/api/v1/ai/prices/robust-prov/m1`, {
        method: "PUT",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ inputPerMillion: 9, outputPerMillion: 9, cachedPerMillion: 1 }),
      });
      if (price.status !== 400 || !JSON.stringify(price.body).includes("cachedPerMillion"))
        problems.push(`PUT price with cachedPerMillion: ${price.status}`);
      expect(problems).toEqual([]);
    });

    test("a CONNECT (authority-form target) to the console is a 405, not a 500", async () => {
      const answer = await new Promise<string>((resolve, reject) => {
        let text = "";
        const timer = setTimeout(() => resolve(text), 5000);
        Bun.connect({
          hostname: "127.0.0.1",
          port: pier.consolePort,
          socket: {
            open(socket) {
              socket.write("CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n");
            },
            data(socket, chunk) {
              text += chunk.toString();
              if (text.includes("\r\n\r\n")) {
                clearTimeout(timer);
                socket.end();
                resolve(text);
              }
            },
            error(_socket, error) {
              reject(error);
            },
          },
        }).catch(reject);
      });
      expect(answer).toStartWith("HTTP/1.1 405");
      expect(pier.logs()).not.toContain("Invalid URL");
    });

    test("afterwards: healthy, still running, and nothing made in beforeAll changed", async () => {
      expect((await fetch(`${pier.url}/healthz`)).status).toBe(200);
      expect(pier.proc.exitCode).toBeNull();
      for (const p of snapshotPaths)
        expect([p, stable(await api("GET", snapshotPath(p)))]).toEqual([p, before.get(p)]);
    });
  });
}
