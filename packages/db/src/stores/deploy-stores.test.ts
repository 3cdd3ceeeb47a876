import { expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

  await stores.envVars.set({ appId: "app_1", environment: "", key: "A", valueSealed: "s1", secret: true });
  await stores.envVars.set({ appId: "app_1", environment: "", key: "A", valueSealed: "s2", secret: false });
  await stores.envVars.set({
    appId: "app_1",
    environment: "pr-1",
    key: "A",
    valueSealed: "s3",
    secret: true,
  });
  const rows = await stores.envVars.listForApp("app_1");
  expect(rows.map((r) => `${r.environment}:${r.key}=${r.valueSealed}:${r.secret}`)).toEqual([
    "=A=s2:false".replace("=A", ":A"),
    "pr-1:A=s3:true",
  ]);
  expect(await stores.envVars.remove("app_1", "pr-1", "A")).toBe(true);
  expect(await stores.envVars.remove("app_1", "pr-1", "A")).toBe(false);
  expect(await stores.environments.remove("env_1")).toBe(true);
  await database.close();
});
