import type { Write } from "./tables.ts";

/** One occurrence as the event stores keep it; `payload` is the processed event as JSON. */
export interface StoredEvent {
  projectId: number;
  eventId: string;
  issueId: string;
  receivedAt: number;
  level: string;
  release: string | null;
  environment: string | null;
  payloadJson: string;
}

export interface EventSummary {
  eventId: string;
  issueId: string;
  receivedAt: number;
  level: string;
  release: string | null;
  environment: string | null;
}

export interface HistogramBucket {
  /** Bucket start, epoch ms. */
  start: number;
  count: number;
}

/** Occurrence storage: SQL tables by default, ClickHouse when PIER_CLICKHOUSE_URL is set. */
export interface EventStore {
  readonly kind: "sql" | "clickhouse";
  /** Statements joined to the writer's transaction (SQL store); [] when the store writes on its own. */
  transactionalWrites(rows: StoredEvent[]): Write[];
  /** Runs after the writer's transaction committed (ClickHouse inserts). */
  afterCommit(rows: StoredEvent[]): Promise<void>;
  /** The processed event JSON. */
  get(projectId: number, eventId: string): Promise<string | null>;
  latest(issueId: string): Promise<string | null>;
  list(issueId: string, limit: number, beforeMs?: number): Promise<EventSummary[]>;
  histogram(issueId: string, sinceMs: number, bucketMs: number): Promise<HistogramBucket[]>;
  deleteIssue(issueId: string): Promise<void>;
  purgeBefore(cutoffMs: number): Promise<void>;
  close(): Promise<void>;
}
