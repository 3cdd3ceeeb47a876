// Worker thread entry: one SQLite online backup (VACUUM INTO) on its own connection, so a large
// analytics.db is copied without holding the main thread's event loop for seconds.
// Extra `bun build --compile` entrypoint: packages/backup/src/snapshot/sqlite-snapshot-worker.ts.
import { Database } from "bun:sqlite";
import { type SnapshotRequest, type SnapshotResult, snapshotSqliteFile } from "./sqlite-snapshot-core.ts";

declare const self: Worker;

self.onmessage = (event: MessageEvent<SnapshotRequest>) => {
  const request = event.data;
  let result: SnapshotResult;
  try {
    result = { v: 1, ok: true, migrations: snapshotSqliteFile(Database, request.source, request.target) };
  } catch (error) {
    result = { v: 1, ok: false, message: (error as Error).message };
  }
  self.postMessage(result);
};
