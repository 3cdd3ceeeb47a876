import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { migrateSqlite, splitStatements } from "./migrate.ts";
import { pgMigrations, sqliteMigrations } from "./migrations.gen.ts";

test("every generated SQL file is embedded (run `make migrations` after drizzle-kit generate)", () => {
  for (const [dialect, embedded] of [
    ["sqlite", sqliteMigrations],
    ["pg", pgMigrations],
  ] as const) {
    const files = readdirSync(join(import.meta.dir, "..", "migrations", dialect)).filter((f) =>
      f.endsWith(".sql"),
    );
    expect(embedded.map((m) => `${m.id}.sql`).sort()).toEqual(files.sort());
  }
});

test("migrations apply once; a failing migration leaves nothing behind", () => {
  const db = new Database(":memory:");
  expect(migrateSqlite(db, sqliteMigrations)).toEqual(sqliteMigrations.map((m) => m.id));
  expect(migrateSqlite(db, sqliteMigrations)).toEqual([]);
  const broken = [
    { id: "9999_broken", sql: "CREATE TABLE half (x INT);\n--> statement-breakpoint\nNOT SQL" },
  ];
  expect(() => migrateSqlite(db, broken)).toThrow(
    'migration 9999_broken failed and was rolled back: near "NOT": syntax error',
  );
  expect(db.query("SELECT name FROM sqlite_master WHERE name = 'half'").all()).toEqual([]);
  expect(db.query("SELECT id FROM pier_migrations WHERE id = '9999_broken'").all()).toEqual([]);
});

test("statements split on drizzle-kit's breakpoint marker", () => {
  expect(splitStatements("A;\n--> statement-breakpoint\nB;\n")).toEqual(["A;", "B;"]);
});
