import { Database } from "bun:sqlite";
import { join } from "node:path";
import { SQL } from "bun";
import type { LiveRelease } from "./restore-plan.ts";

/**
 * The restored control-plane database, for the few changes restore makes before pier first
 * starts on it (see restore-plan.ts). Plain SQL on the tables as old archives have them, so
 * nothing here depends on this pier's newer migrations.
 */
export interface RestoredDatabase {
  staticReleases(): Promise<{ id: string; image: string; meta: Record<string, unknown> }[]>;
  updateRelease(id: string, image: string, meta: Record<string, unknown>): Promise<void>;
  /** The backup run that made the archive was still running in its own snapshot: it succeeded. */
  finishRun(runId: string, archive: string, bytes: number): Promise<void>;
  liveReleases(): Promise<LiveRelease[]>;
  services(): Promise<{ name: string; kind: string }[]>;
  /** Good backups of services (dumps and volume snapshots, not apps' volumes), newest first. */
  serviceBackups(): Promise<{ id: string; serviceName: string; location: string }[]>;
  updateBackupLocation(id: string, location: string): Promise<void>;
  /**
   * Leases belong to the processes of the pier the archive was made from, not to its data: a
   * restored pier must not wait for the primary role of a process that runs elsewhere (or still
   * runs here, on the original data dir) to expire before its schedulers and repairs start.
   */
  dropLeases(): Promise<void>;
  close(): Promise<void>;
}

const liveQuery = `
  SELECT a.name AS app, e.name AS environment, d.id AS "deploymentId", d.source AS source,
         d.commit_sha AS "commitSha", d.image AS image, d.meta AS meta
  FROM environments e JOIN apps a ON a.id = e.app_id JOIN deployments d ON d.id = e.current_deployment_id
  ORDER BY a.name, e.name`;

const servicesQuery = "SELECT name, kind FROM services ORDER BY name";
const serviceBackupsQuery = `
  SELECT id, service_name AS "serviceName", location FROM service_backups
  WHERE status = 'ok' AND app_name IS NULL ORDER BY started_at DESC`;

type LiveRow = Omit<LiveRelease, "kind"> & { meta: unknown };

function kindOf(meta: unknown): string | null {
  const parsed =
    typeof meta === "string" ? (JSON.parse(meta) as { kind?: unknown }) : (meta as { kind?: unknown } | null);
  return typeof parsed?.kind === "string" ? parsed.kind : null;
}

export function openRestoredSqlite(dataDir: string): RestoredDatabase {
  const db = new Database(join(dataDir, "pier.db"));
  db.run("PRAGMA busy_timeout = 5000");
  const hasTable = (name: string) =>
    db
      .query<{ n: number }, [string]>(
        "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?",
      )
      .get(name)!.n > 0;
  return {
    async staticReleases() {
      if (!hasTable("deployments")) return [];
      return db
        .query<{ id: string; image: string; meta: string }, []>(
          "SELECT id, image, meta FROM deployments WHERE image LIKE 'static:%'",
        )
        .all()
        .map((r) => ({ id: r.id, image: r.image, meta: JSON.parse(r.meta) as Record<string, unknown> }));
    },
    async updateRelease(id, image, meta) {
      db.run("UPDATE deployments SET image = ?, meta = ? WHERE id = ?", [image, JSON.stringify(meta), id]);
    },
    async finishRun(runId, archive, bytes) {
      if (!hasTable("backup_runs")) return;
      db.run(
        "UPDATE backup_runs SET status = 'succeeded', archive = ?, bytes = ?, finished_at = started_at WHERE id = ? AND status = 'running'",
        [archive, bytes, runId],
      );
    },
    async liveReleases() {
      if (!hasTable("environments")) return [];
      return db
        .query<LiveRow, []>(liveQuery)
        .all()
        .map((r) => ({ ...r, kind: kindOf(r.meta) }));
    },
    async services() {
      if (!hasTable("services")) return [];
      return db.query<{ name: string; kind: string }, []>(servicesQuery).all();
    },
    async serviceBackups() {
      if (!hasTable("service_backups")) return [];
      return db.query<{ id: string; serviceName: string; location: string }, []>(serviceBackupsQuery).all();
    },
    async updateBackupLocation(id, location) {
      db.run("UPDATE service_backups SET location = ? WHERE id = ?", [location, id]);
    },
    async dropLeases() {
      if (hasTable("leases")) db.run("DELETE FROM leases");
    },
    async close() {
      db.close();
    },
  };
}

export function openRestoredPostgres(url: string): RestoredDatabase {
  const sql = new SQL(url);
  const hasTable = async (name: string) => {
    const [exists] = (await sql`SELECT to_regclass(${`public.${name}`}) AS t`) as { t: string | null }[];
    return Boolean(exists?.t);
  };
  return {
    async staticReleases() {
      return (await sql`SELECT id, image, meta FROM deployments WHERE image LIKE 'static:%'`) as {
        id: string;
        image: string;
        meta: Record<string, unknown>;
      }[];
    },
    async updateRelease(id, image, meta) {
      // Through text: a string parameter cast straight to jsonb would be stored as a JSON string.
      await sql`UPDATE deployments SET image = ${image}, meta = ${JSON.stringify(meta)}::text::jsonb WHERE id = ${id}`;
    },
    async finishRun(runId, archive, bytes) {
      if (!(await hasTable("backup_runs"))) return;
      await sql`UPDATE backup_runs SET status = 'succeeded', archive = ${archive}, bytes = ${bytes}, finished_at = started_at
                WHERE id = ${runId} AND status = 'running'`;
    },
    async liveReleases() {
      return ((await sql.unsafe(liveQuery)) as LiveRow[]).map((r) => ({ ...r, kind: kindOf(r.meta) }));
    },
    async services() {
      if (!(await hasTable("services"))) return [];
      return (await sql.unsafe(servicesQuery)) as { name: string; kind: string }[];
    },
    async serviceBackups() {
      if (!(await hasTable("service_backups"))) return [];
      return (await sql.unsafe(serviceBackupsQuery)) as {
        id: string;
        serviceName: string;
        location: string;
      }[];
    },
    async updateBackupLocation(id, location) {
      await sql`UPDATE service_backups SET location = ${location} WHERE id = ${id}`;
    },
    async dropLeases() {
      if (await hasTable("leases")) await sql`DELETE FROM leases`;
    },
    async close() {
      await sql.close();
    },
  };
}
