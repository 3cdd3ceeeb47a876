import type { IssueNotice, PendingEvent, RawPendingEvent } from "./event-writer.ts";

// The writer thread's protocol: a small discriminated union with a version, like the proxy workers'.
export const WRITER_PROTOCOL = 1;

export type ToWriter =
  | { v: 1; type: "start"; sqlitePath: string; maxBatch?: number; flushIntervalMs?: number }
  | { v: 1; type: "events"; items: PendingEvent[]; raw: RawPendingEvent[] }
  | { v: 1; type: "flush"; id: number }
  | { v: 1; type: "forget"; projectId: number; hash: string }
  | { v: 1; type: "stop"; id: number };

export type FromWriter =
  | { v: 1; type: "ready" }
  | { v: 1; type: "flushed"; id: number; stored: number }
  /** Events finished with (stored, dropped or invalid) since start: the main thread's queue bound. */
  | { v: 1; type: "progress"; handled: number }
  | { v: 1; type: "notice"; notice: IssueNotice }
  | { v: 1; type: "invalid"; projectId: number; count: number }
  | { v: 1; type: "error"; message: string; dropped: number }
  /** Storage ran out (events are kept and retried; the main thread refuses new ones), or a write succeeded again. */
  | { v: 1; type: "storage"; full: boolean; message?: string };
