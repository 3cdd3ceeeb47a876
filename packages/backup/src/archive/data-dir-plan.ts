/**
 * What of a data dir goes into an archive, decided by name alone (pure). Everything pier keeps
 * there is included, so a subsystem that adds a folder is backed up without a change here; what
 * is left out is either rebuilt (uploads, builds), a database's side file (its snapshot holds the
 * WAL's content), a one-time secret of the first start, or platform archives themselves. Of
 * `backups/`, only the services' local dumps go in: on the same disk as everything else, they are
 * a service's only copy off the server once the archive leaves it.
 */
export type TopLevelDecision = "sqlite" | "include" | "service-dumps" | "skip";

/** Where `pier services backup` keeps dumps when a service has no S3 target, under the data dir. */
export const serviceDumpsDir = "backups/services";

const skippedNames = new Set(["uploads", "builds", "setup-code", "lost+found"]);

export function classifyTopLevel(name: string, isDirectory: boolean): TopLevelDecision {
  if (name === "backups") return isDirectory ? "service-dumps" : "skip";
  if (skippedNames.has(name)) return "skip";
  // Staging folders of running backups and restores, and editors' or tools' hidden files.
  if (name.startsWith(".")) return "skip";
  if (/-(wal|shm|journal)$/.test(name)) return "skip";
  if (!isDirectory && name.endsWith(".db")) return "sqlite";
  return "include";
}

/** A dump still being written (`….part`) is not a backup yet: its row is not "ok" either. */
export const isUnfinishedDump = (name: string) => name.endsWith(".part");

/**
 * Order of a bare git repository's entries: references before objects. git writes objects before
 * it moves a ref to them, so refs read first only ever name objects the later walk finds.
 */
export function gitRepositoryOrder(names: string[]): string[] {
  const first = ["HEAD", "packed-refs", "refs"];
  return [...first.filter((n) => names.includes(n)), ...names.filter((n) => !first.includes(n)).sort()];
}

/** Files up to this size are copied into the staging folder (certificates, keys, refs, small
 * state); larger ones (git packs, static assets, logs) are read in place twice and must not change
 * in between, except by growing: only the size seen first is archived. */
export const stageBelowBytes = 256 * 1024;
