import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SQL } from "bun";
import { testPostgresUrl } from "../../../../test/support/database-backends.ts";
import { type Database, isUniqueViolation, openDatabase } from "../open.ts";
import { createStores } from "./index.ts";

// The same suite runs against the embedded SQLite and a real PostgreSQL: one schema, two databases.
const postgresUrl = testPostgresUrl();

async function freshPostgres(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = new SQL(adminUrl);
  const name = `pier_test_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.close();
    },
  };
}

const backends: [string, () => Promise<{ database: Database; cleanup: () => Promise<void> }>][] = [
  [
    "sqlite",
    async () => {
      const database = await openDatabase({ dataDir: mkdtempSync(join(tmpdir(), "pier-db-")) });
      return { database, cleanup: () => database.close() };
    },
  ],
];
if (postgresUrl) {
  backends.push([
    "postgres",
    async () => {
      const fresh = await freshPostgres(postgresUrl);
      const database = await openDatabase({ dataDir: "/nonexistent", databaseUrl: fresh.url });
      return {
        database,
        cleanup: async () => {
          await database.close();
          await fresh.drop();
        },
      };
    },
  ]);
}

for (const [dialect, open] of backends) {
  describe(`stores on ${dialect}`, async () => {
    const { database, cleanup } = await open();
    const stores = createStores(database);
    afterAll(cleanup);

    test("migrations applied once and recorded", async () => {
      expect(database.appliedMigrations).toContain("0000_init");
      expect(database.dialect).toBe(dialect === "sqlite" ? "sqlite" : "postgres");
    });

    test("apps: create, unique names, list sorted, delete", async () => {
      await stores.apps.create({ id: "app_b", name: "beta" });
      await stores.apps.create({ id: "app_a", name: "alpha" });
      const duplicate = stores.apps.create({ id: "app_c", name: "alpha" });
      const error = await duplicate.catch((e) => e);
      expect(isUniqueViolation(error)).toBe(true);
      const apps = await stores.apps.list();
      expect(apps.map((a) => a.name)).toEqual(["alpha", "beta"]);
      expect(apps[0]!.createdAt).toBeInstanceOf(Date);
      expect(apps[0]!.settings).toEqual({});
      expect(await stores.apps.deleteByName("beta")).toBe(true);
      expect(await stores.apps.deleteByName("beta")).toBe(false);
      expect(await stores.apps.findByName("beta")).toBeUndefined();
    });

    test("users, sessions with expiry, tokens with revocation", async () => {
      expect(await stores.users.count()).toBe(0);
      const user = await stores.users.create({
        id: "usr_1",
        email: "a@b.c",
        passwordHash: "h",
        role: "admin",
      });
      expect(await stores.users.count()).toBe(1);
      const now = new Date();
      await stores.sessions.create({
        idHash: "live",
        userId: user.id,
        csrfToken: "csrf",
        expiresAt: new Date(now.getTime() + 60_000),
      });
      await stores.sessions.create({
        idHash: "old",
        userId: user.id,
        csrfToken: "x",
        expiresAt: new Date(now.getTime() - 1),
      });
      expect((await stores.sessions.findActive("live"))?.user.email).toBe("a@b.c");
      expect(await stores.sessions.findActive("old")).toBeUndefined();

      const token = await stores.tokens.create({
        id: "tok_1",
        name: "ci",
        tokenHash: "abc",
        hint: "pier_x…",
        scopes: ["deploy", "read"],
        userId: user.id,
      });
      expect(token.scopes).toEqual(["deploy", "read"]);
      expect((await stores.tokens.findActiveByHash("abc"))?.id).toBe("tok_1");
      expect(await stores.tokens.revoke("tok_1")).toBe(true);
      expect(await stores.tokens.revoke("tok_1")).toBe(false);
      expect(await stores.tokens.findActiveByHash("abc")).toBeUndefined();
      expect(await stores.tokens.existsWithHash("abc")).toBe(true);
    });

    test("a removed user's tokens stay on record, revoked; their sessions go with them", async () => {
      await stores.users.create({ id: "usr_a", email: "a@x.y", passwordHash: "h", role: "admin" });
      await stores.users.create({ id: "usr_b", email: "b@x.y", passwordHash: "h", role: "member" });
      expect((await stores.users.list()).map((u) => u.email)).toEqual(["a@b.c", "a@x.y", "b@x.y"]);
      expect((await stores.users.setRole("usr_b", "admin"))?.role).toBe("admin");
      await stores.sessions.create({
        idHash: "b-session",
        userId: "usr_b",
        csrfToken: "c",
        expiresAt: new Date(Date.now() + 60_000),
      });
      await stores.tokens.create({
        id: "tok_b",
        name: "b-ci",
        tokenHash: "bhash",
        hint: "h",
        scopes: ["deploy"],
        userId: "usr_b",
      });
      expect(await stores.tokens.revokeForUser("usr_b")).toBe(1);
      expect(await stores.users.delete("usr_b")).toBe(true);
      expect(await stores.users.delete("usr_b")).toBe(false);
      expect(await stores.sessions.findActive("b-session")).toBeUndefined();
      const kept = (await stores.tokens.list()).find((t) => t.id === "tok_b");
      expect(kept?.revokedAt).toBeInstanceOf(Date);
      expect(kept?.userId).toBeNull();
    });

    test("routes keep JSON upstreams and options; settings upsert", async () => {
      await stores.routes.create({
        id: "rt_1",
        host: "a.test",
        pathPrefix: "/",
        upstreams: ["http://127.0.0.1:1"],
        options: { stripPrefix: true },
      });
      const [route] = await stores.routes.list();
      expect(route?.upstreams).toEqual(["http://127.0.0.1:1"]);
      expect(route?.options).toEqual({ stripPrefix: true });
      expect(await stores.routes.listIds()).toEqual(["rt_1"]);
      expect((await stores.routes.getMany(["rt_1", "rt_gone"])).map((r) => r.upstreams)).toEqual([
        ["http://127.0.0.1:1"],
      ]);
      expect(await stores.routes.getMany([])).toEqual([]);
      await stores.settings.set("base_domain", "example.com");
      await stores.settings.set("base_domain", "example.org");
      expect(await stores.settings.get<string>("base_domain")).toBe("example.org");
      await stores.settings.set("base_domain", null);
      expect(await stores.settings.get<string>("base_domain")).toBeUndefined();
      await stores.settings.set("base_domain", null);
    });

    test("deployments list newest first", async () => {
      const app = await stores.apps.create({ id: "app_d", name: "deploys" });
      await stores.deployments.create({
        id: "dep_1",
        appId: app.id,
        status: "live",
        source: "git",
        createdAt: new Date(1000),
      });
      await stores.deployments.create({
        id: "dep_2",
        appId: app.id,
        status: "queued",
        source: "git",
        createdAt: new Date(2000),
      });
      await stores.deployments.update("dep_2", { status: "failed", error: "health check failed" });
      const list = await stores.deployments.listForApp(app.id);
      expect(list.map((d) => [d.id, d.status])).toEqual([
        ["dep_2", "failed"],
        ["dep_1", "live"],
      ]);
      // Created within one second without an explicit time: still newest first ("b" < "z" by id).
      await stores.deployments.create({ id: "dep_z", appId: app.id, status: "live", source: "git" });
      await Bun.sleep(5);
      await stores.deployments.create({ id: "dep_b", appId: app.id, status: "queued", source: "git" });
      const [newest] = await stores.deployments.listForApp(app.id);
      expect(newest?.id).toBe("dep_b");
      // One environment's only: GET /api/v1/apps/:name/deployments?environment=
      await stores.environments.ensure({
        id: "env_d",
        appId: app.id,
        name: "production",
        kind: "production",
        branch: "main",
        host: "deploys.test",
      });
      await stores.deployments.update("dep_1", { environmentId: "env_d" });
      expect((await stores.deployments.listForApp(app.id, 50, "env_d")).map((d) => d.id)).toEqual(["dep_1"]);
    });
  });
}
