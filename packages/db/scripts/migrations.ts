// `make migrations`: drizzle-kit generate for every package with a schema (scripts/schema-packages.ts),
// both dialects, then each package's embedded src/migrations.gen.ts.
// `make check-migrations` (--check): fails, changing nothing, when that would write any file.
//   bun packages/db/scripts/migrations.ts [--check]
import { relative } from "node:path";
import { staleMigrations } from "./check-migrations.ts";
import { drizzleKitGenerate } from "./drizzle-generate.ts";
import { embedMigrations, migrationsModulePath } from "./embed-migrations.ts";
import { dialects, findSchemaPackages, repoRoot } from "./schema-packages.ts";

const packages = findSchemaPackages();

if (process.argv.includes("--check")) {
  const started = performance.now();
  const problems = await staleMigrations(packages);
  const took = `${((performance.now() - started) / 1000).toFixed(1)} s`;
  if (problems.length > 0) {
    console.error(
      `Migrations are not up to date with the schemas; run \`make migrations\` and commit the result:`,
    );
    for (const problem of problems) console.error(`  ${problem}`);
    process.exit(1);
  }
  console.log(`migrations up to date: ${packages.map((p) => p.name).join(", ")} (${took})`);
} else {
  for (const pkg of packages) {
    for (const dialect of dialects) {
      console.log(`==> ${pkg.name}: drizzle-kit generate (${dialect})`);
      const { ok } = await drizzleKitGenerate(pkg, dialect, { cwd: pkg.dir, interactive: true });
      if (!ok) process.exit(1);
    }
    if (embedMigrations(pkg)) console.log(`wrote ${relative(repoRoot, migrationsModulePath(pkg))}`);
  }
}
