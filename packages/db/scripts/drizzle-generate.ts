// drizzle-kit generate for one package and dialect. The config is written on the fly because it
// is the same for every package (its schema module in, ./migrations/<dialect> out).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type Dialect, migrationsFolder, type SchemaPackage } from "./schema-packages.ts";

const drizzleKitBin = join(dirname(Bun.resolveSync("drizzle-kit", import.meta.dir)), "bin.cjs");

export interface GenerateOptions {
  /** Folder holding migrations/<dialect>: the package itself, or a copy of it for the check. */
  cwd: string;
  /**
   * drizzle-kit asks on the terminal whether a column was renamed or dropped and added; without a
   * terminal a question fails the run.
   */
  interactive: boolean;
  /** Kills a non-interactive run that hangs; 60 s by default. */
  timeoutMs?: number;
}

export interface GenerateResult {
  ok: boolean;
  /** What drizzle-kit printed, apart from what went to the terminal. */
  output: string;
  /** drizzle-kit stopped at a question it needed a terminal for (a renamed or replaced column?). */
  question: boolean;
}

export function drizzleKitConfig(pkg: SchemaPackage, dialect: Dialect) {
  return {
    dialect: dialect === "pg" ? "postgresql" : "sqlite",
    schema: join(pkg.dir, pkg.schema[dialect]),
    // drizzle-kit resolves `out` against its working directory, not against the config file.
    out: `./${migrationsFolder(dialect)}`,
  };
}

export async function drizzleKitGenerate(
  pkg: SchemaPackage,
  dialect: Dialect,
  options: GenerateOptions,
): Promise<GenerateResult> {
  const configDir = mkdtempSync(join(tmpdir(), "pier-drizzle-"));
  const config = join(configDir, `drizzle.${pkg.name}.${dialect}.config.ts`);
  writeFileSync(config, `export default ${JSON.stringify(drizzleKitConfig(pkg, dialect), null, 2)};\n`);
  try {
    // Run by Bun, not Node: schema modules import @pier/db, whose module graph has bun:sqlite and
    // SQL files imported as text. stderr is always read: drizzle-kit exits 0 after an error too.
    const proc = Bun.spawn([process.execPath, drizzleKitBin, "generate", "--config", config], {
      cwd: options.cwd,
      stdio: options.interactive ? ["inherit", "inherit", "pipe"] : ["ignore", "pipe", "pipe"],
      timeout: options.interactive ? undefined : (options.timeoutMs ?? 60_000),
    });
    const [stdout, stderr] = await Promise.all([
      proc.stdout ? new Response(proc.stdout).text() : "",
      new Response(proc.stderr).text(),
    ]);
    if (options.interactive) process.stderr.write(stderr);
    const code = await proc.exited;
    const ok = code === 0 && proc.signalCode === null && stderr.trim() === "";
    return { ok, output: stdout + stderr, question: stderr.includes("Interactive prompts require a TTY") };
  } finally {
    rmSync(configDir, { recursive: true, force: true });
  }
}
