// Which packages own tables: every packages/<name> with a drizzle schema for both dialects, found
// as src/**/schema/sqlite.ts beside a pg.ts. A new package joins `make migrations` by having them.
import { existsSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";

export const dialects = ["sqlite", "pg"] as const;
export type Dialect = (typeof dialects)[number];

export interface SchemaPackage {
  /** Folder name under packages/; prefixes the package's migration ids except for db. */
  name: string;
  /** Absolute path of the package. */
  dir: string;
  /** Schema module of each dialect, relative to dir. */
  schema: Record<Dialect, string>;
}

export const repoRoot = resolve(import.meta.dir, "../../..");

export function findSchemaPackages(root = repoRoot): SchemaPackage[] {
  const found = new Map<string, SchemaPackage>();
  const glob = new Bun.Glob("packages/*/src/**/schema/sqlite.ts");
  for (const path of glob.scanSync({ cwd: root, onlyFiles: true })) {
    if (path.includes("/node_modules/")) continue;
    const pg = join(dirname(path), "pg.ts");
    if (!existsSync(join(root, pg))) throw new Error(`${path} has no PostgreSQL mirror: add ${pg}`);
    const dir = join(root, "packages", path.split("/")[1] ?? "");
    const name = basename(dir);
    const previous = found.get(name);
    if (previous) {
      throw new Error(
        `${name} has two schemas (${previous.schema.sqlite} and ${path}): keep one per package`,
      );
    }
    found.set(name, {
      name,
      dir,
      schema: { sqlite: relative(dir, join(root, path)), pg: relative(dir, join(root, pg)) },
    });
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Where drizzle-kit keeps a package's SQL files and snapshots for one dialect, relative to its dir. */
export function migrationsFolder(dialect: Dialect): string {
  return `migrations/${dialect}`;
}
