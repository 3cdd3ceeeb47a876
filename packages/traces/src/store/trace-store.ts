import type { SpanOwner, SpanRecord } from "../span.ts";

/** A span with who sent it, as stored. */
export interface StoredSpan extends SpanRecord {
  projectId: number;
  appId: string | null;
}

export interface TraceFilter {
  appId?: string;
  projectId?: number;
  service?: string;
  route?: string;
  status?: "unset" | "ok" | "error";
  minDurationUs?: number;
  maxDurationUs?: number;
  fromUs: number;
  toUs: number;
  sort: "recent" | "slowest";
  limit: number;
  offset: number;
}

/** The entry spans a route's percentiles are computed from: duration, start and status. */
export interface RouteSample {
  service: string;
  route: string;
  startUs: number;
  durationUs: number;
  error: boolean;
}

export interface RouteSampleFilter {
  appId?: string;
  projectId?: number;
  service?: string;
  route?: string;
  fromUs: number;
  toUs: number;
  /** At most this many samples (the most recent): percentiles over a bounded read. */
  limit: number;
}

/** Whose spans of a trace to read; none: every project's (a trace crosses services). */
export interface TraceScope {
  appId?: string;
  projectId?: number;
}

/** An error event that happened in a trace (its `contexts.trace`). */
export interface ErrorLink {
  traceId: string;
  spanId: string | null;
  projectId: number;
  eventId: string;
  receivedUs: number;
}

/** Where spans live: traces.db by default, ClickHouse when configured. */
export interface TraceStore {
  readonly kind: "sqlite" | "clickhouse";
  insert(spans: SpanRecord[], owner: SpanOwner): Promise<void>;
  /** Entry spans (one per service a request went through), newest or slowest first. */
  list(filter: TraceFilter): Promise<{ spans: StoredSpan[]; total: number }>;
  /** Every span of a trace (of the scope's project or app), oldest first. */
  trace(traceId: string, scope?: TraceScope): Promise<StoredSpan[]>;
  samples(filter: RouteSampleFilter): Promise<RouteSample[]>;
  services(filter: { appId?: string; projectId?: number; fromUs: number }): Promise<string[]>;
  linkErrors(links: ErrorLink[]): Promise<void>;
  /** The error events recorded in a trace (of those projects, when given), oldest first. */
  errorsOf(traceId: string, scope?: { projectIds?: number[] }): Promise<ErrorLink[]>;
  purgeBefore(cutoffUs: number): Promise<number>;
  close(): Promise<void>;
}
