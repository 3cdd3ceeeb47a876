import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freshPostgresDatabase } from "../../../../test/support/database-backends.ts";
import { openDatabase } from "../open.ts";
import { createStores } from "./index.ts";

test("environments, env vars and unfinished deployments (deploy engine stores)", async () => {
  const database = await openDatabase({ dataDir: mkdtempSync(join(tmpdir(), "pier-db-deploy-")) });
  const stores = createStores(database);
  await stores.apps.create({ id: "app_1", name: "web" });
  const env = {
    id: "env_1",
    appId: "app_1",
    name: "production",
    kind: "production" as const,
    branch: "main",
    host: "web.test",
  };
  const created = await stores.environments.ensure(env);
  // ensure is idempotent: the second call keeps the first row (and its id).
  expect((await stores.environments.ensure({ ...env, id: "env_2" })).id).toBe(created.id);
  await stores.deployments.create({
    id: "dep_1",
    appId: "app_1",
    environmentId: "env_1",
    status: "building",
    source: "git",
  });
  await stores.deployments.create({
    id: "dep_2",
    appId: "app_1",
    environmentId: "env_1",
    status: "live",
    source: "git",
  });
  await stores.environments.setCurrent("env_1", "dep_2");
  expect((await stores.environments.listWithCurrent()).map((e) => e.currentDeploymentId)).toEqual(["dep_2"]);
  expect((await stores.deploymentQueries.listByStatus(["queued", "building"])).map((d) => d.id)).toEqual([
    "dep_1",
  ]);

  expect(await stores.environments.remove("env_1")).toBe(true);
  await database.close();
});

const postgres = freshPostgresDatabase("pier_env_vars");
const backends: [string, () => Promise<Parameters<typeof openDatabase>[0]>][] = [
  ["sqlite", async () => ({ dataDir: mkdtempSync(join(tmpdir(), "pier-db-env-")) })],
];
if (postgres)
  backends.push([
    "postgres",
    async () => ({ dataDir: "/nonexistent", databaseUrl: await postgres.create() }),
  ]);

for (const [name, options] of backends) {
  describe(`env vars on ${name}`, () => {
    test("set replaces by (app, environment, key); several at once are kept all or none", async () => {
      const database = await openDatabase(await options());
      const stores = createStores(database);
      await stores.apps.create({ id: "app_1", name: "web" });
      await stores.envVars.set([
        { appId: "app_1", environment: "", key: "A", valueSealed: "s1", secret: true },
      ]);
      await stores.envVars.set([
        { appId: "app_1", environment: "", key: "A", valueSealed: "s2", secret: false },
        { appId: "app_1", environment: "pr-1", key: "A", valueSealed: "s3", secret: true },
        { appId: "app_1", environment: "", key: "B", valueSealed: "s4", secret: true },
      ]);
      const list = async () =>
        (await stores.envVars.listForApp("app_1")).map(
          (r) => `${r.environment}:${r.key}=${r.valueSealed}:${r.secret}`,
        );
      expect(await list()).toEqual([":A=s2:false", ":B=s4:true", "pr-1:A=s3:true"]);
      // A row that cannot be kept (an app that does not exist) takes the whole set with it.
      const failed = await stores.envVars
        .set([
          { appId: "app_1", environment: "", key: "C", valueSealed: "s5", secret: true },
          { appId: "app_gone", environment: "", key: "D", valueSealed: "s6", secret: true },
        ])
        .then(
          () => null,
          (error: unknown) => error,
        );
      expect(failed).toBeInstanceOf(Error);
      expect(await list()).toEqual([":A=s2:false", ":B=s4:true", "pr-1:A=s3:true"]);
      expect(await stores.envVars.remove("app_1", "pr-1", "A")).toBe(true);
      expect(await stores.envVars.remove("app_1", "pr-1", "A")).toBe(false);
      await database.close();
    });
  });
}
