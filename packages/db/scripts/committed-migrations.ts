// The SQL files `make migrations` has written: packages/*/migrations/{sqlite,pg}/*.sql, in order.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { MigrationFile } from "./breaking-migrations.ts";
import { dialects, migrationsFolder, repoRoot, type SchemaPackage } from "./schema-packages.ts";

export function committedMigrations(packages: SchemaPackage[]): MigrationFile[] {
  return packages.flatMap((pkg) =>
    dialects.flatMap((dialect) => {
      const folder = join(pkg.dir, migrationsFolder(dialect));
      if (!existsSync(folder)) return [];
      return readdirSync(folder)
        .filter((name) => name.endsWith(".sql"))
        .sort()
        .map((name) => ({
          path: relative(repoRoot, join(folder, name)),
          sql: readFileSync(join(folder, name), "utf8"),
        }));
    }),
  );
}
