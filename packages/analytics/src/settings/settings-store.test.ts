import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "@pier/db";
import { pgMigrations, sqliteMigrations } from "../migrations.gen.ts";
import { SiteSettingsStore } from "./settings-store.ts";

const dir = mkdtempSync(join(tmpdir(), "pier-analytics-settings-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("auto-inject sites are readable by other modules, and a change of autoInject is announced once", async () => {
  const database = await openDatabase({ dataDir: dir });
  // Before the analytics migrations ran (another module's provider may ask first): nothing, no throw.
  expect(await SiteSettingsStore.readAutoInjectSites(database)).toEqual(new Set());
  await database.migrate({ sqlite: sqliteMigrations, pg: pgMigrations });
  const store = await SiteSettingsStore.load(database);
  let changes = 0;
  store.onAutoInjectChange(() => changes++);
  await store.set("app_1", { respectDnt: false, autoInject: true, excludedPaths: [] });
  await store.set("app_2", { respectDnt: true, autoInject: false, excludedPaths: ["/admin/*"] });
  await store.set("app_1", { respectDnt: true, autoInject: true, excludedPaths: [] });
  expect(changes).toBe(1);
  expect(await SiteSettingsStore.readAutoInjectSites(database)).toEqual(new Set(["app_1"]));
  await store.remove("app_1");
  expect(changes).toBe(2);
  expect(await SiteSettingsStore.readAutoInjectSites(database)).toEqual(new Set());
  // Excluded paths survive a restart (a fresh load reads them back from the database).
  expect((await SiteSettingsStore.load(database)).get("app_2").excludedPaths).toEqual(["/admin/*"]);
  await database.close();
});
