import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
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

export interface UpgradeReleases {
  /** The binaries as built (copy one to install it). */
  binaryA: string;
  binaryB: string;
  /** Served at `url`: latest (= B), and both versions' archives, manifests and signatures. */
  dir: string;
}

function run(cmd: string[], what: string): string {
  const result = Bun.spawnSync(cmd, { cwd: repoRoot, stdout: "pipe", stderr: "pipe" });
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
  const publicKey = readFileSync(join(keyDir, "public-key.txt"), "utf8").trim();
  // The flags and entrypoints of `make build`, so the variants are built as the real binary is.
  const build = run(["make", "-s", "print-build"], "make print-build").trim().split(/\s+/);
  const target = `${process.platform}-${process.arch}`;
  for (const [version, out] of [
    [versionA, binaryA],
    [versionB, binaryB],
  ] as const) {
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
  return { binaryA, binaryB, dir };
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
