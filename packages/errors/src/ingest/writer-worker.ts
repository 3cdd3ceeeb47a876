// Worker thread entry: parsing, grouping and storing events on its own SQLite connection to pier.db,
// beside the request path (which only authenticates, frames envelopes and answers) instead of taking
// turns with it on the main thread.
// Extra `bun build --compile` entrypoint: packages/errors/src/ingest/writer-worker.ts.
import { Database as SqliteClient } from "bun:sqlite";
import type { Database } from "@pier/db";
import { drizzle } from "drizzle-orm/bun-sqlite";
import { prepareEventBytes } from "../process/prepare-event.ts";
import * as sqliteSchema from "../schema/sqlite.ts";
import { createIssueStore } from "../store/issue-store.ts";
import { createSqlEventStore } from "../store/sql-event-store.ts";
import { EventWriter, type PendingEvent, type RawPendingEvent } from "./event-writer.ts";
import type { FromWriter, ToWriter } from "./writer-messages.ts";

declare const self: Worker;
const post = (message: FromWriter) => self.postMessage(message);
let writer: EventWriter | null = null;
let invalidTotal = 0;

function open(path: string): Database {
  const client = new SqliteClient(path, { strict: true });
  // Same settings as the control plane's connection (packages/db): WAL lets both write in turn.
  client.run("PRAGMA journal_mode = WAL");
  client.run("PRAGMA synchronous = NORMAL");
  client.run("PRAGMA foreign_keys = ON");
  client.run("PRAGMA busy_timeout = 5000");
  // Only what the writer's stores touch: dialect and the drizzle handle (the tables are the package's).
  return {
    dialect: "sqlite",
    db: drizzle({ client, schema: sqliteSchema }),
    location: path,
    close: async () => client.close(),
  } as unknown as Database;
}

/**
 * One event that cannot be prepared is counted invalid and logged; it must not end this thread (an
 * uncaught throw here stops the worker, and with it every later event).
 */
function prepareSafely(item: RawPendingEvent): PendingEvent | null {
  try {
    return prepareEventBytes(item.projectId, item.eventId, item.payload, item.receivedAt, item.scrub);
  } catch (error) {
    post({
      v: 1,
      type: "error",
      message: `event ${item.eventId} of project ${item.projectId} could not be read, counted as invalid: ${error}`,
      dropped: 1,
    });
    return null;
  }
}

self.onmessage = async (event: MessageEvent<ToWriter>) => {
  const message = event.data;
  if (message.v !== 1) return;
  switch (message.type) {
    case "start": {
      const database = open(message.sqlitePath);
      writer = new EventWriter(database, createIssueStore(database), createSqlEventStore(database), {
        maxBatch: message.maxBatch,
        flushIntervalMs: message.flushIntervalMs,
        // The main thread bounds what it hands over and refuses while storage is full: what it
        // acknowledged is taken here in any case.
        maxQueue: Number.POSITIVE_INFINITY,
        keepWhileStorageFull: true,
        onNotice: (notice) => post({ v: 1, type: "notice", notice }),
        onError: (error, dropped) => post({ v: 1, type: "error", message: String(error), dropped }),
        onStorageFullChange: (full, error) =>
          post({ v: 1, type: "storage", full, ...(error === undefined ? {} : { message: String(error) }) }),
        onProgress: (handled) => post({ v: 1, type: "progress", handled: handled + invalidTotal }),
      });
      post({ v: 1, type: "ready" });
      return;
    }
    case "events": {
      for (const item of message.items) writer?.enqueue(item);
      const invalid = new Map<number, number>();
      for (const item of message.raw) {
        const prepared = prepareSafely(item);
        if (prepared) writer?.enqueue(prepared);
        else invalid.set(item.projectId, (invalid.get(item.projectId) ?? 0) + 1);
      }
      for (const [projectId, count] of invalid) {
        invalidTotal += count;
        post({ v: 1, type: "invalid", projectId, count });
      }
      if (invalid.size > 0) post({ v: 1, type: "progress", handled: (writer?.handled ?? 0) + invalidTotal });
      return;
    }
    case "forget":
      writer?.forgetIssue(message);
      return;
    case "flush":
    case "stop":
      // Answered in any case: the main thread's reads and shutdown wait for this.
      try {
        await (message.type === "stop" ? writer?.stop() : writer?.flush());
      } catch (error) {
        post({ v: 1, type: "error", message: `writer ${message.type} failed: ${error}`, dropped: 0 });
      }
      post({ v: 1, type: "flushed", id: message.id, stored: writer?.stored ?? 0 });
      return;
  }
};
