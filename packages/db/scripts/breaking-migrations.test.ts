import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { migrateSqlite } from "../src/migrate.ts";
import {
  type BreakingChange,
  breakingChanges,
  contractMarker,
  describeChange,
  refusedMigrations,
  twoReleasesAdvice,
} from "./breaking-migrations.ts";
import { committedMigrations } from "./committed-migrations.ts";
import { findSchemaPackages } from "./schema-packages.ts";

// The statements below are what drizzle-kit 0.31 wrote for a scratch schema changed step by step
// (a column dropped, a table dropped, a type changed, columns added), copied unedited.
const sqliteDrops =
  "DROP TABLE `gadgets`;--> statement-breakpoint\nALTER TABLE `widgets` DROP COLUMN `note`;";
const sqliteRebuild = `PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE \`__new_widgets\` (
\t\`id\` text PRIMARY KEY NOT NULL,
\t\`name\` text NOT NULL,
\t\`size\` text
);
--> statement-breakpoint
INSERT INTO \`__new_widgets\`("id", "name", "size") SELECT "id", "name", "size" FROM \`widgets\`;--> statement-breakpoint
DROP TABLE \`widgets\`;--> statement-breakpoint
ALTER TABLE \`__new_widgets\` RENAME TO \`widgets\`;--> statement-breakpoint
PRAGMA foreign_keys=ON;`;
const sqliteAdds = `ALTER TABLE \`widgets\` ADD \`colour\` text NOT NULL;--> statement-breakpoint
ALTER TABLE \`widgets\` ADD \`shape\` text DEFAULT 'round' NOT NULL;--> statement-breakpoint
ALTER TABLE \`widgets\` ADD \`tint\` text;`;
const pgDrops = `DROP TABLE "gadgets" CASCADE;--> statement-breakpoint
ALTER TABLE "widgets" DROP COLUMN "note";`;
const pgAlters = `ALTER TABLE "widgets" ALTER COLUMN "name" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "widgets" ALTER COLUMN "size" SET DATA TYPE text;--> statement-breakpoint
ALTER TABLE "widgets" ALTER COLUMN "size" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "widgets" ALTER COLUMN "weight" DROP DEFAULT;`;
const pgAdds = `ALTER TABLE "widgets" ADD COLUMN "colour" text NOT NULL;--> statement-breakpoint
ALTER TABLE "widgets" ADD COLUMN "shape" text DEFAULT 'round' NOT NULL;--> statement-breakpoint
ALTER TABLE "widgets" ADD COLUMN "tint" text;`;
// drizzle-kit writes renames after asking on the terminal; these are its templates filled in.
const sqliteRenames =
  "ALTER TABLE `widgets` RENAME TO `things`;--> statement-breakpoint\nALTER TABLE `things` RENAME COLUMN `size` TO `bulk`;";
const pgRenames = `ALTER TABLE "widgets" RENAME TO "things";--> statement-breakpoint
ALTER TABLE "things" RENAME COLUMN "size" TO "bulk";`;

describe("breakingChanges", () => {
  test("drops of a table and a column, both dialects", () => {
    const expected: BreakingChange[] = [
      { kind: "drop-table", table: "gadgets", statement: 1 },
      { kind: "drop-column", table: "widgets", column: "note", statement: 2 },
    ];
    expect(breakingChanges(sqliteDrops)).toEqual(expected);
    expect(breakingChanges(pgDrops)).toEqual(expected);
  });

  test("renames of a table and a column, both dialects", () => {
    const expected: BreakingChange[] = [
      { kind: "rename-table", table: "widgets", statement: 1 },
      { kind: "rename-column", table: "things", column: "size", statement: 2 },
    ];
    expect(breakingChanges(sqliteRenames)).toEqual(expected);
    expect(breakingChanges(pgRenames)).toEqual(expected);
  });

  test("SQLite's table rebuild is one finding, not a drop and a rename", () => {
    expect(breakingChanges(sqliteRebuild)).toEqual([
      { kind: "rebuild-table", table: "widgets", statement: 2 },
    ]);
  });

  test("PostgreSQL: a type change, a new NOT NULL, a dropped default; dropping NOT NULL is fine", () => {
    expect(breakingChanges(pgAlters)).toEqual([
      { kind: "change-type", table: "widgets", column: "size", statement: 2 },
      { kind: "set-not-null", table: "widgets", column: "size", statement: 3 },
      { kind: "drop-default", table: "widgets", column: "weight", statement: 4 },
    ]);
  });

  test("a NOT NULL column needs a default; nullable and defaulted columns are growth", () => {
    const expected: BreakingChange[] = [
      { kind: "add-required-column", table: "widgets", column: "colour", statement: 1 },
    ];
    expect(breakingChanges(sqliteAdds)).toEqual(expected);
    expect(breakingChanges(pgAdds)).toEqual(expected);
  });

  test("hand-written shapes: several actions in one ALTER, a schema prefix, IF EXISTS, TYPE", () => {
    const sql = `ALTER TABLE ONLY "public"."apps" ADD COLUMN "x" integer DEFAULT 0 NOT NULL, DROP COLUMN IF EXISTS "y",
      ALTER "z" TYPE bigint USING ("z"::bigint);
      drop table if exists public.old_things`;
    expect(breakingChanges(sql)).toEqual([
      { kind: "drop-column", table: "apps", column: "y", statement: 1 },
      { kind: "change-type", table: "apps", column: "z", statement: 1 },
      { kind: "drop-table", table: "old_things", statement: 2 },
    ]);
  });

  test("constraints, indexes and comments are not columns", () => {
    const sql = `-- DROP TABLE "apps"; was considered
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_app_id_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployments" DROP CONSTRAINT "old_fk";--> statement-breakpoint
ALTER TABLE "deployments" RENAME CONSTRAINT "a" TO "b";--> statement-breakpoint
/* ALTER TABLE "apps" DROP COLUMN "name"; */
CREATE INDEX "deployments_app_idx" ON "deployments" USING btree ("app_id");--> statement-breakpoint
DROP INDEX "old_idx";--> statement-breakpoint
ALTER TABLE "apps" ALTER COLUMN "name" SET DEFAULT '--not a comment';--> statement-breakpoint
INSERT INTO "settings" ("key", "value") VALUES ('drop table', 'x');`;
    expect(breakingChanges(sql)).toEqual([]);
  });
});

describe("contractMarker", () => {
  test("names the release that shipped the expansion", () => {
    const marked = `-- pier: contract step, the expansion shipped in 0.4.0\n${pgDrops}`;
    expect(contractMarker(marked)).toEqual({ expansionShippedIn: "0.4.0" });
    expect(contractMarker(`--pier: Contract step; expansion shipped in v1.2.3-rc.1\n`)).toEqual({
      expansionShippedIn: "1.2.3-rc.1",
    });
  });

  test("absent, or present without a version", () => {
    expect(contractMarker(pgDrops)).toBeUndefined();
    expect(contractMarker(`-- pier: contract step\n${pgDrops}`)).toContain("names no release");
    expect(contractMarker(`-- pier: contract step, the expansion shipped in the last one\n`)).toContain(
      "names no release",
    );
  });
});

describe("refusedMigrations", () => {
  test("names the file and each statement; a marked file passes", () => {
    const problems = refusedMigrations([
      { path: "packages/x/migrations/sqlite/0002_a.sql", sql: sqliteRebuild },
      { path: "packages/x/migrations/pg/0002_b.sql", sql: pgAlters },
      { path: "packages/x/migrations/pg/0003_c.sql", sql: pgAdds.split("--> statement-breakpoint")[2] ?? "" },
      {
        path: "packages/x/migrations/pg/0004_d.sql",
        sql: `-- pier: contract step, the expansion shipped in 0.3.0\n${pgDrops}`,
      },
      { path: "packages/x/migrations/pg/0005_e.sql", sql: `-- pier: contract step\n${pgDrops}` },
    ]);
    expect(problems).toEqual([
      "packages/x/migrations/sqlite/0002_a.sql: statement 2 rebuilds table widgets (drizzle's SQLite __new_widgets copy)",
      "packages/x/migrations/pg/0002_b.sql: statement 2 changes the type of widgets.size",
      "packages/x/migrations/pg/0002_b.sql: statement 3 makes widgets.size NOT NULL",
      "packages/x/migrations/pg/0002_b.sql: statement 4 drops the default of widgets.weight",
      "packages/x/migrations/pg/0005_e.sql: its contract-step marker names no release: write `-- pier: contract step, the expansion shipped in X.Y.Z`",
    ]);
  });

  test("every description says what it does to which table", () => {
    expect(describeChange({ kind: "rename-column", table: "apps", column: "name", statement: 3 })).toBe(
      "statement 3 renames column apps.name",
    );
    expect(twoReleasesAdvice).toContain("-- pier: contract step, the expansion shipped in N\n");
  });

  test("a marked migration still applies: the marker is an SQL comment", () => {
    const db = new Database(":memory:");
    db.run("CREATE TABLE `gadgets` (`id` text PRIMARY KEY NOT NULL)");
    db.run("CREATE TABLE `widgets` (`id` text PRIMARY KEY NOT NULL, `note` text)");
    const sql = `-- pier: contract step, the expansion shipped in 0.3.0\n${sqliteDrops}`;
    expect(migrateSqlite(db, [{ id: "x/0001", sql }])).toEqual(["x/0001"]);
    expect(db.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all()).toEqual([
      { name: "pier_migrations" },
      { name: "widgets" },
    ]);
  });
});

// What `make lint` checks: today's committed migrations only grow their schemas.
test("every committed migration passes", () => {
  const files = committedMigrations(findSchemaPackages());
  expect(files.length).toBeGreaterThan(20);
  expect(files.map((f) => f.path)).toContain("packages/db/migrations/pg/0002_red_hellcat.sql");
  expect(refusedMigrations(files)).toEqual([]);
});
