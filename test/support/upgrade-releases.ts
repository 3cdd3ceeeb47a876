import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderMigrationsModule } from "../../packages/db/scripts/embed-migrations.ts";
import { repoRoot } from "./pier-process.ts";

/**
 * Two releases of pier, A and B, built from this tree with different versions and the public half
 * of an ephemeral signing key built in (as `make release` does), packaged with the project's own
 * scripts and served from 127.0.0.1: what `pier upgrade` goes from and to in the tests and the
 * benchmark. Builds are cached in dist/upgrade-releases/ by the SHA-256 of dist/pier, so a second
 * run on the same build reuses them.
 */

export const versionA = "0.90.0-upgrade.a";
export const versionB = "0.90.1-upgrade.b";
/** A release whose start fails (buildFailingRelease). */
export const versionC = "0.90.2-upgrade.c";

export interface UpgradeReleases {
  /** The binaries as built (copy one to install it). */
  binaryA: string;
  binaryB: string;
  /** Served at `url`: latest (= B), and both versions' archives, manifests and signatures. */
  dir: string;
}

function run(cmd: string[], what: string, cwd = repoRoot): string {
  const result = Bun.spawnSync(cmd, { cwd, stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0)
    throw new Error(`${what} failed (${result.exitCode}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout.toString();
}

export function buildUpgradeReleases(): UpgradeReleases {
  const base = join(repoRoot, "dist", "pier");
  if (!existsSync(base)) throw new Error("dist/pier is missing: run make build first");
  const stamp = new Bun.CryptoHasher("sha256").update(readFileSync(base)).digest("hex").slice(0, 16);
  const root = join(repoRoot, "dist", "upgrade-releases");
  const cache = join(root, stamp);
  const binaryA = join(cache, "a", "pier");
  const binaryB = join(cache, "b", "pier");
  const dir = join(cache, "release");
  if (existsSync(join(dir, "latest"))) return { binaryA, binaryB, dir };

  rmSync(root, { recursive: true, force: true });
  mkdirSync(cache, { recursive: true });
  const keyDir = join(cache, "key");
  run([process.execPath, "scripts/release/signing-key.ts", keyDir], "making the signing key");
  buildRelease(versionA, binaryA, dir, keyDir);
  buildRelease(versionB, binaryB, dir, keyDir);
  return { binaryA, binaryB, dir };
}

/**
 * Builds pier `version` from the tree at `source` with the flags and entrypoints of `make build`
 * (so the variants are built as the real binary is) and the release key of `keyDir` built in,
 * and packages it into the release directory `dir`, which then names it latest.
 */
function buildRelease(version: string, out: string, dir: string, keyDir: string, source = repoRoot): void {
  const publicKey = readFileSync(join(keyDir, "public-key.txt"), "utf8").trim();
  const build = run(["make", "-s", "print-build"], "make print-build").trim().split(/\s+/);
  const target = `${process.platform}-${process.arch}`;
  run(
    [
      process.execPath,
      "build",
      ...build,
      "--define",
      `PIER_BUILD_VERSION="${version}"`,
      "--define",
      `PIER_RELEASE_PUBLIC_KEY="${publicKey}"`,
      "--outfile",
      out,
    ],
    `building pier ${version}`,
    source,
  );
  run(
    [
      process.execPath,
      "scripts/release/package.ts",
      "--version",
      version,
      "--binary",
      `${target}=${out}`,
      "--out",
      dir,
      "--key-dir",
      keyDir,
      "--xz-level",
      "0",
      "--gzip-level",
      "1",
    ],
    `packaging pier ${version}`,
  );
}

export interface FailingRelease {
  binary: string;
  /** Its own release directory (latest = C), signed with the key A and B trust. */
  dir: string;
}

/**
 * What the failing migration of release C needs to fail: two uptime monitors with one target.
 * Its migration is of the kind `make lint` lets through (it only adds an index), and fails on
 * the data of a real database, as such migrations do.
 */
export const failingMigration = {
  id: "uptime/0001_upgrade_test_unique_target",
  sqlite: "CREATE UNIQUE INDEX `uptime_monitors_target_unique` ON `uptime_monitors` (`target`);",
  pg: 'CREATE UNIQUE INDEX "uptime_monitors_target_unique" ON "uptime_monitors" USING btree ("target");',
};

/**
 * Release C: this tree with one more uptime migration (failingMigration), built from a copy of
 * the sources (node_modules hard-linked) beside A and B, with their key.
 */
export function buildFailingRelease(): FailingRelease {
  const { binaryA } = buildUpgradeReleases();
  const cache = join(binaryA, "..", "..");
  const binary = join(cache, "c", "pier");
  const dir = join(cache, "release-c");
  if (existsSync(join(dir, "latest"))) return { binary, dir };

  const source = join(cache, "c-source");
  rmSync(source, { recursive: true, force: true });
  mkdirSync(join(source, "bench", "startup"), { recursive: true });
  for (const entry of [
    "apps",
    "packages",
    "package.json",
    "bunfig.toml",
    "tsconfig.base.json",
    "tsconfig.json",
  ])
    cpSync(join(repoRoot, entry), join(source, entry), { recursive: true });
  cpSync(
    join(repoRoot, "bench", "startup", "bytecode-order.txt"),
    join(source, "bench", "startup", "bytecode-order.txt"),
  );
  // Hard links: 400 MB copied in a second. Its workspace links are relative, so they lead to the copy.
  run(["cp", "-al", join(repoRoot, "node_modules"), join(source, "node_modules")], "linking node_modules");
  const uptime = join(source, "packages", "uptime");
  const file = `${failingMigration.id.split("/")[1]}.sql`;
  writeFileSync(join(uptime, "migrations", "sqlite", file), failingMigration.sqlite);
  writeFileSync(join(uptime, "migrations", "pg", file), failingMigration.pg);
  const pkg = {
    name: "uptime",
    dir: uptime,
    schema: { sqlite: "src/schema/sqlite.ts", pg: "src/schema/pg.ts" },
  };
  const module = renderMigrationsModule(pkg);
  if (!module.includes(failingMigration.id)) throw new Error("release C's migration was not embedded");
  writeFileSync(join(uptime, "src", "migrations.gen.ts"), module);
  mkdirSync(join(cache, "c"), { recursive: true });
  try {
    buildRelease(versionC, binary, dir, join(cache, "key"), source);
  } finally {
    rmSync(source, { recursive: true, force: true });
  }
  return { binary, dir };
}

/** Serves a release directory (package.ts --out) on 127.0.0.1. */
export function serveReleaseDir(dir: string): { url: string; requests: string[]; stop(): void } {
  const requests: string[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      const path = decodeURIComponent(new URL(request.url).pathname);
      requests.push(path);
      if (path.includes("..") || !/^[A-Za-z0-9._/+-]+$/.test(path))
        return new Response("bad path", { status: 400 });
      const file = Bun.file(join(dir, path));
      return file.size > 0 ? new Response(file) : new Response("not found", { status: 404 });
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, requests, stop: () => server.stop(true) };
}
