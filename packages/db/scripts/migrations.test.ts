import { expect, test } from "bun:test";
import { staleMigrations } from "./check-migrations.ts";
import { drizzleKitConfig } from "./drizzle-generate.ts";
import { findSchemaPackages } from "./schema-packages.ts";

test("every package with a schema is found, with both dialects", () => {
  const packages = findSchemaPackages();
  const byName = Object.fromEntries(packages.map((p) => [p.name, p.schema]));
  expect(byName.db).toEqual({ sqlite: "src/schema/sqlite.ts", pg: "src/schema/pg.ts" });
  expect(byName.analytics).toEqual({
    sqlite: "src/settings/schema/sqlite.ts",
    pg: "src/settings/schema/pg.ts",
  });
  expect(Object.keys(byName)).toEqual(expect.arrayContaining(["ai-gateway", "errors", "notify", "uptime"]));
});

test("drizzle-kit writes into the package's migrations/<dialect>", () => {
  const db = findSchemaPackages().find((p) => p.name === "db")!;
  expect(drizzleKitConfig(db, "pg")).toEqual({
    dialect: "postgresql",
    schema: `${db.dir}/src/schema/pg.ts`,
    out: "./migrations/pg",
  });
});

// The same run as `make check-migrations`: a schema edited without `make migrations` fails here.
test("committed migrations and migrations.gen.ts match the schemas", async () => {
  expect(await staleMigrations(findSchemaPackages())).toEqual([]);
}, 60_000);
