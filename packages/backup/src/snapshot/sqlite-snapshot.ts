import type { SnapshotRequest, SnapshotResult } from "./sqlite-snapshot-core.ts";

/** Path of the worker module relative to the repository root: the extra `bun build --compile` entrypoint. */
export const SNAPSHOT_WORKER_ENTRYPOINT = "packages/backup/src/snapshot/sqlite-snapshot-worker.ts";

/** Same rule as the proxy pool: inside a compiled binary workers resolve against /$bunfs/root/. */
function snapshotWorkerEntrypoint(): string | URL {
  const here = import.meta.url;
  if (here.includes("/$bunfs/") || here.includes("~BUN")) return `./${SNAPSHOT_WORKER_ENTRYPOINT}`;
  return new URL("./sqlite-snapshot-worker.ts", here);
}

/**
 * Copies the SQLite database at `source` to `target` with SQLite's online backup, on a worker
 * thread; resolves with the migration ids the copy records.
 */
export async function snapshotSqlite(source: string, target: string): Promise<string[]> {
  const worker = new Worker(snapshotWorkerEntrypoint());
  try {
    const result = await new Promise<SnapshotResult>((resolve, reject) => {
      worker.onmessage = (event: MessageEvent<SnapshotResult>) => resolve(event.data);
      worker.onerror = (event) => reject(new Error(`the SQLite snapshot thread failed: ${event.message}`));
      worker.postMessage({ v: 1, source, target } satisfies SnapshotRequest);
    });
    if (!result.ok) throw new Error(`SQLite online backup of ${source} failed: ${result.message}`);
    return result.migrations;
  } finally {
    worker.terminate();
  }
}
