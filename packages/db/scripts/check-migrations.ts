// Whether the committed migrations match the schemas: drizzle-kit generate runs into a scratch copy
// of every package's migrations folders, and any file it would add or change means a schema was
// edited without `make migrations`. migrations.gen.ts is compared with what embedding would write.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { drizzleKitGenerate } from "./drizzle-generate.ts";
import { migrationsModuleIsCurrent, migrationsModulePath } from "./embed-migrations.ts";
import { dialects, migrationsFolder, repoRoot, type SchemaPackage } from "./schema-packages.ts";

/** Every difference found, as lines for the terminal; empty when migrations are up to date. */
export async function staleMigrations(packages: SchemaPackage[]): Promise<string[]> {
  const scratch = mkdtempSync(join(tmpdir(), "pier-migrations-check-"));
  try {
    const runs = packages.flatMap((pkg) =>
      dialects.map(async (dialect) => {
        const folder = migrationsFolder(dialect);
        const committed = join(pkg.dir, folder);
        const copy = join(scratch, pkg.name);
        if (existsSync(committed)) cpSync(committed, join(copy, folder), { recursive: true });
        const result = await drizzleKitGenerate(pkg, dialect, { cwd: copy, interactive: false });
        const where = relative(repoRoot, committed);
        if (result.question) return [`${where}: drizzle-kit has a question (a renamed column or table?)`];
        if (!result.ok) return [`${where}: drizzle-kit generate failed:\n${result.output.trim()}`];
        return folderDifferences(committed, join(copy, folder)).map((d) => `${where}/${d}`);
      }),
    );
    const problems = (await Promise.all(runs)).flat();
    for (const pkg of packages) {
      if (!migrationsModuleIsCurrent(pkg))
        problems.push(`${relative(repoRoot, migrationsModulePath(pkg))}: out of date`);
    }
    return problems;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Files that differ between two folders, each with what generating would do to it. */
function folderDifferences(committed: string, generated: string): string[] {
  const before = filesUnder(committed);
  const after = filesUnder(generated);
  const differences: string[] = [];
  for (const file of new Set([...before, ...after])) {
    if (!before.includes(file)) differences.push(`${file}: would be written`);
    else if (!after.includes(file)) differences.push(`${file}: would be removed`);
    else if (!readFileSync(join(committed, file)).equals(readFileSync(join(generated, file)))) {
      differences.push(`${file}: would change`);
    }
  }
  return differences.sort();
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) =>
    statSync(join(dir, f)).isFile(),
  );
}
