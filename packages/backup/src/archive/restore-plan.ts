/**
 * What restore changes in the restored database, and what it tells the user about each app (pure).
 */

/** `path` moved from under `from`/`dir` to under `to`/`dir`; null when it is not under it or nothing moves. */
function moveRoot(path: string, dir: string, from: string, to: string): string | null {
  const oldRoot = `${from.replace(/\/+$/, "")}/${dir}/`;
  const newRoot = `${to.replace(/\/+$/, "")}/${dir}/`;
  if (oldRoot === newRoot || !path.startsWith(oldRoot)) return null;
  return newRoot + path.slice(oldRoot.length);
}

/**
 * Static releases record their directory as an absolute path (`static:/var/lib/pier/static/dep_x`
 * and `meta.staticDir`); restored into another data dir they must point there.
 */
export function relocateStaticRelease(
  image: string,
  meta: Record<string, unknown>,
  from: string,
  to: string,
): { image: string; meta: Record<string, unknown> } | null {
  const move = (path: string) => moveRoot(path, "static", from, to) ?? path;
  const match = /^static:(spa:)?(.*)$/.exec(image);
  const newImage = match ? `static:${match[1] ?? ""}${move(match[2]!)}` : image;
  const staticDir = typeof meta.staticDir === "string" ? move(meta.staticDir) : meta.staticDir;
  if (newImage === image && staticDir === meta.staticDir) return null;
  return { image: newImage, meta: staticDir === undefined ? meta : { ...meta, staticDir } };
}

export interface LiveRelease {
  app: string;
  environment: string;
  deploymentId: string;
  source: string;
  commitSha: string | null;
  image: string | null;
  kind: string | null;
}

export type RebuildPlan =
  | { app: string; environment: string; how: "static" }
  | { app: string; environment: string; how: "image"; image: string }
  | { app: string; environment: string; how: "rebuild-from-git"; image: string; commit: string }
  | { app: string; environment: string; how: "redeploy"; image: string };

/**
 * How each live release comes back on the restored pier's first start: static sites are in the
 * archive and serve at once; a container release runs its image when this Docker Engine has it;
 * otherwise pier pulls a registry image, rebuilds an image it built from the pushed commit (the
 * repository is in the archive), and an uploaded release, whose source pier does not keep, needs
 * `pier deploy` again.
 */
export function rebuildPlan(releases: LiveRelease[]): RebuildPlan[] {
  return releases.map((r): RebuildPlan => {
    const base = { app: r.app, environment: r.environment };
    if (r.kind === "static" || r.image?.startsWith("static:")) return { ...base, how: "static" };
    const image = r.image ?? "(none)";
    if (!image.startsWith("pier/")) return { ...base, how: "image", image };
    if (r.commitSha) return { ...base, how: "rebuild-from-git", image, commit: r.commitSha };
    return { ...base, how: "redeploy", image };
  });
}

export function describePlan(plan: RebuildPlan): string {
  const where = `${plan.app}${plan.environment === "production" ? "" : ` (${plan.environment})`}`;
  switch (plan.how) {
    case "static":
      return `${where}: static site, served from the archive at once`;
    case "image":
      return `${where}: runs ${plan.image}, pulled at first start if this machine does not have it`;
    case "rebuild-from-git":
      return `${where}: runs ${plan.image} if this Docker Engine has it, else rebuilt at first start from commit ${plan.commit.slice(0, 12)}`;
    case "redeploy":
      return `${where}: runs ${plan.image} if this Docker Engine has it; it was uploaded (pier keeps no source of uploads), so elsewhere run \`pier deploy\` again`;
  }
}

/**
 * A service backup kept in the data dir is recorded as `file:DATA_DIR/backups/…` (absolute): restored
 * into another data dir it must point at the copy the archive brought (null when nothing moves).
 */
export function relocateBackupLocation(location: string, from: string, to: string): string | null {
  if (!location.startsWith("file:")) return null;
  const moved = moveRoot(location.slice("file:".length), "backups", from, to);
  return moved === null ? null : `file:${moved}`;
}

export interface RestoredServiceBackup {
  id: string;
  serviceName: string;
  location: string;
  /** The file of a local backup is in the restored data dir; always false for S3. */
  present: boolean;
}

export interface ServicePlan {
  service: string;
  kind: string;
  /** Good backups, newest first: in the archive, or kept in S3 where they were. */
  inArchive: string[];
  inS3: string[];
  /** Local backups recorded but not in the archive (taken after it, or removed). */
  missing: string[];
}

/** What comes back of each service: its backups, never its live data (pure). */
export function servicePlans(
  services: { name: string; kind: string }[],
  backups: RestoredServiceBackup[],
): ServicePlan[] {
  return services.map((s) => {
    const own = backups.filter((b) => b.serviceName === s.name);
    return {
      service: s.name,
      kind: s.kind,
      inArchive: own.filter((b) => b.location.startsWith("file:") && b.present).map((b) => b.id),
      inS3: own.filter((b) => b.location.startsWith("s3://")).map((b) => b.id),
      missing: own.filter((b) => b.location.startsWith("file:") && !b.present).map((b) => b.id),
    };
  });
}

export function describeServicePlan(plan: ServicePlan): string[] {
  const lines: string[] = [];
  const kept = [
    plan.inArchive.length ? `in the archive: ${plan.inArchive.join(", ")}` : "",
    plan.inS3.length ? `in S3: ${plan.inS3.join(", ")}` : "",
  ].filter(Boolean);
  lines.push(
    `${plan.service} (${plan.kind}): ${kept.length ? `backups ${kept.join("; ")}` : "no backup came back"}`,
  );
  if (plan.missing.length)
    lines.push(`  recorded but not in the archive (taken later or removed): ${plan.missing.join(", ")}`);
  const newest = plan.inArchive[0] ?? plan.inS3[0];
  lines.push(
    newest
      ? `  its live volume is not in the archive; to get its data back on a new server: pier services restore ${plan.service} ${newest} --confirm ${plan.service} (on the server where the original pier still runs, that is refused: its container is the original's)`
      : `  its live volume is not in the archive, and no backup of it is: its data is only in its Docker volume on the old server (run pier services backup ${plan.service} there, then pier backup create)`,
  );
  return lines;
}
