import type { Write } from "./tables.ts";

/**
 * One occurrence as the event stores keep it. `payload` is the event JSON exactly as the SDK sent
 * it: ingest only derives what grouping and the issue row need, and the full normalization runs when
 * someone reads the event (cheaper ingest, and nothing the SDK sent is lost).
 */
export interface StoredEvent {
  projectId: number;
  eventId: string;
  issueId: string;
  receivedAt: number;
  level: string;
  release: string | null;
  environment: string | null;
  payload: Uint8Array;
}

export interface StoredPayload {
  eventId: string;
  issueId?: string;
  receivedAt: number;
  /** The SDK's event JSON. */
  json: string;
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
  /**
   * Which of these events are stored already, as `projectId:eventId`: an SDK that sends an event
   * again (a retry after a lost answer, after pier restarted) must not count twice in its issue.
   */
  storedIds(keys: { projectId: number; eventId: string }[]): Promise<Set<string>>;
  /** Runs after the writer's transaction committed (ClickHouse inserts). */
  afterCommit(rows: StoredEvent[]): Promise<void>;
  get(projectId: number, eventId: string): Promise<StoredPayload | null>;
  latest(issueId: string): Promise<StoredPayload | null>;
  list(issueId: string, limit: number, beforeMs?: number): Promise<EventSummary[]>;
  histogram(issueId: string, sinceMs: number, bucketMs: number): Promise<HistogramBucket[]>;
  /** Events received since `sinceMs`, per project (projects without any are absent). */
  countsByProject(sinceMs: number): Promise<Map<number, number>>;
  deleteIssue(issueId: string): Promise<void>;
  deleteProject(projectId: number): Promise<void>;
  purgeBefore(cutoffMs: number): Promise<void>;
  close(): Promise<void>;
}
