// `make migrations`: drizzle-kit generate for every package with a schema (scripts/schema-packages.ts),
// both dialects, then each package's embedded src/migrations.gen.ts.
// `make check-migrations` (--check): fails, changing nothing, when that would write any file, or
// when a committed migration does more than grow the schema (breaking-migrations.ts).
//   bun packages/db/scripts/migrations.ts [--check]
import { relative } from "node:path";
import { refusedMigrations, twoReleasesAdvice } from "./breaking-migrations.ts";
import { staleMigrations } from "./check-migrations.ts";
import { committedMigrations } from "./committed-migrations.ts";
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
  const refused = refusedMigrations(committedMigrations(packages));
  if (refused.length > 0) {
    console.error("These migrations would break the release that is still serving during an upgrade:");
    for (const problem of refused) console.error(`  ${problem}`);
    console.error(`\n${twoReleasesAdvice}`);
    process.exit(1);
  }
  console.log(`migrations up to date and only growing: ${packages.map((p) => p.name).join(", ")} (${took})`);
} else {
  for (const pkg of packages) {
    for (const dialect of dialects) {
      console.log(`==> ${pkg.name}: drizzle-kit generate (${dialect})`);
      const { ok } = await drizzleKitGenerate(pkg, dialect, { cwd: pkg.dir, interactive: true });
      if (!ok) process.exit(1);
    }
    if (embedMigrations(pkg)) console.log(`wrote ${relative(repoRoot, migrationsModulePath(pkg))}`);
  }
  // Said now rather than first at `make lint`, while the schema change is still fresh.
  const refused = refusedMigrations(committedMigrations(packages));
  if (refused.length > 0) {
    console.error("\nmake lint will refuse these migrations until they are split across two releases:");
    for (const problem of refused) console.error(`  ${problem}`);
    console.error(`\n${twoReleasesAdvice}`);
  }
}
