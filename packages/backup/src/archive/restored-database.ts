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
      const [exists] = (await sql`SELECT to_regclass('public.backup_runs') AS t`) as { t: string | null }[];
      if (!exists?.t) return;
      await sql`UPDATE backup_runs SET status = 'succeeded', archive = ${archive}, bytes = ${bytes}, finished_at = started_at
                WHERE id = ${runId} AND status = 'running'`;
    },
    async liveReleases() {
      return ((await sql.unsafe(liveQuery)) as LiveRow[]).map((r) => ({ ...r, kind: kindOf(r.meta) }));
    },
    async dropLeases() {
      const [exists] = (await sql`SELECT to_regclass('public.leases') AS t`) as { t: string | null }[];
      if (exists?.t) await sql`DELETE FROM leases`;
    },
    async close() {
      await sql.close();
    },
  };
}
