import { z } from "zod";

/**
 * `manifest.json`, the first member of every archive: what made it, and every other member with
 * its size and SHA-256. Restore and verify read it first (a newer pier's archive is refused before
 * anything else is read) and check each member against it as it streams past.
 */
export const manifestName = "manifest.json";
export const formatVersion = 1;

/** Members under data/ land at the same path under the restored data dir. */
export const dataPrefix = "data/";
/** A PostgreSQL dump (pg_dump, plain SQL), restored with psql into the target database. */
export const postgresDumpName = "database/postgres.sql";

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

/** Member names are relative, slash-separated, without `.`/`..` segments or NULs. */
export const memberPathSchema = z
  .string()
  .min(1)
  .max(4096)
  .refine(
    (path) =>
      !path.startsWith("/") &&
      !path.includes("\0") &&
      !path.includes("\\") &&
      path.split("/").every((segment) => segment !== "" && segment !== "." && segment !== ".."),
    "not a safe relative path",
  );

export const manifestFileSchema = z.object({
  path: memberPathSchema,
  size: z.number().int().nonnegative(),
  sha256,
  mode: z.number().int().min(0).max(0o7777),
});
export type ManifestFile = z.infer<typeof manifestFileSchema>;

export const manifestSchema = z.object({
  format: z.literal("pier-backup"),
  formatVersion: z.number().int().positive(),
  pierVersion: z.string(),
  createdAt: z.iso.datetime(),
  hostname: z.string(),
  /** Where the archive was made: static releases record absolute paths, moved on restore. */
  dataDir: z.string(),
  dialect: z.enum(["sqlite", "postgres"]),
  /** Migrations applied to the control-plane database when it was saved (pier_migrations). */
  migrations: z.array(z.string()),
  instanceId: z.string().nullable(),
  /** The run that made it, when a pier server did (its row is marked done on restore). */
  runId: z.string().nullable(),
  /** ClickHouse was configured: its events are not in the archive. */
  clickhouse: z.boolean(),
  files: z.array(manifestFileSchema),
  dirs: z.array(z.object({ path: memberPathSchema, mode: z.number().int().min(0).max(0o7777) })),
  symlinks: z.array(z.object({ path: memberPathSchema, target: z.string().min(1).max(4096) })),
});
export type Manifest = z.infer<typeof manifestSchema>;

export function manifestTotals(manifest: Manifest): { files: number; bytes: number } {
  return { files: manifest.files.length, bytes: manifest.files.reduce((sum, f) => sum + f.size, 0) };
}

/** Semantic versions compared by precedence: 1.2.0 > 1.2.0-dev > 1.1.9. Unparseable parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const [core = "", pre] = v.replace(/^v/, "").split("-", 2);
    const nums = core.split(".").map((n) => Number.parseInt(n, 10) || 0);
    return { nums: [nums[0] ?? 0, nums[1] ?? 0, nums[2] ?? 0], pre };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i++) if (x.nums[i] !== y.nums[i]) return x.nums[i]! < y.nums[i]! ? -1 : 1;
  if (x.pre === y.pre) return 0;
  if (x.pre === undefined) return 1;
  if (y.pre === undefined) return -1;
  return x.pre < y.pre ? -1 : 1;
}

export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ManifestError";
  }
}

/** The manifest's text as the archive holds it, parsed and checked. */
export function parseManifest(text: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ManifestError("the archive's manifest.json is not JSON: the archive is damaged");
  }
  const format = z.object({ format: z.literal("pier-backup"), formatVersion: z.number() }).safeParse(json);
  if (!format.success) throw new ManifestError("not a pier backup: manifest.json is missing its format");
  if (format.data.formatVersion > formatVersion)
    throw new ManifestError(
      `the archive uses backup format ${format.data.formatVersion}, this pier reads format ${formatVersion}: upgrade pier first`,
    );
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success)
    throw new ManifestError(`the archive's manifest.json is damaged: ${parsed.error.issues[0]?.message}`);
  const seen = new Set<string>();
  for (const path of [
    ...parsed.data.files.map((f) => f.path),
    ...parsed.data.dirs.map((d) => d.path),
    ...parsed.data.symlinks.map((s) => s.path),
  ]) {
    if (seen.has(path) || path === manifestName) throw new ManifestError(`manifest.json lists ${path} twice`);
    seen.add(path);
  }
  return parsed.data;
}

/**
 * Why this pier cannot restore `manifest`, or null. A newer pier's archive may hold tables and
 * files this one does not know: upgrade first, then restore.
 */
export function restoreRefusal(manifest: Manifest, running: { version: string }): string | null {
  if (compareVersions(manifest.pierVersion, running.version) > 0)
    return `the archive was made by pier ${manifest.pierVersion}, this is pier ${running.version}: upgrade pier to ${manifest.pierVersion} or later first (pier upgrade --version ${manifest.pierVersion}), then restore`;
  return null;
}

/**
 * Where a symlink of the archive may point: relative, and inside the top-level folder it sits in
 * (a static release linking to its own files), never out of the data dir.
 */
export function safeSymlinkTarget(path: string, target: string): boolean {
  if (target.startsWith("/") || target.includes("\0")) return false;
  const parts = path.split("/").slice(0, -1);
  const root = parts.slice(0, 3).join("/");
  for (const segment of target.split("/")) {
    if (segment === "..") parts.pop();
    else if (segment !== "." && segment !== "") parts.push(segment);
  }
  const resolved = parts.join("/");
  return resolved === root || resolved.startsWith(`${root}/`);
}
