import { pgColumns } from "@pier/db";
import { integer, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";

// The same table as sqlite.ts, column for column.
const { bigint, boolean, id, json, timestamp } = pgColumns;

/**
 * One row per backup: scheduled, run from the API, or streamed to a CLI. A scheduled run carries
 * its slot, unique, so of two pier processes (an upgrade's overlap) only the one that inserts the
 * row first makes that backup.
 */
export const backupRuns = pgTable(
  "backup_runs",
  {
    id: id(),
    trigger: text("trigger", { enum: ["schedule", "manual", "download"] }).notNull(),
    slot: text("slot"),
    status: text("status", { enum: ["running", "succeeded", "failed"] }).notNull(),
    target: text("target").notNull(),
    archive: text("archive"),
    bytes: bigint("bytes"),
    files: integer("files"),
    encrypted: boolean("encrypted").notNull().default(false),
    error: text("error"),
    warnings: json<string[]>("warnings").notNull().default([]),
    startedAt: timestamp("started_at").notNull(),
    finishedAt: timestamp("finished_at"),
    /** Rewritten while a run goes on: a row whose heartbeat stopped belongs to a pier that died. */
    heartbeatAt: timestamp("heartbeat_at").notNull(),
  },
  (t) => [uniqueIndex("backup_runs_slot_idx").on(t.slot)],
);
