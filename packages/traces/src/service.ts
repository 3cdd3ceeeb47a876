import { join } from "node:path";
import type { Logger } from "@pier/core";
import type { IngestGrant } from "@pier/platform";
import { createOtlpTraceHandler, defaultOtlpLimits, type OtlpLimits } from "./ingest/otlp-handler.ts";
import { spansFromSpanItem, spansFromTransaction } from "./sentry/sentry-spans.ts";
import type { SpanOwner, SpanRecord } from "./span.ts";
import { admitSpanTimes } from "./span-time.ts";
import { createClickHouseTraceStore } from "./store/clickhouse-trace-store.ts";
import { SqliteTraceStore } from "./store/sqlite-trace-store.ts";
import type { ErrorLink, TraceStore } from "./store/trace-store.ts";

export interface TracesServiceOptions {
  dataDir: string;
  /** Spans go to ClickHouse instead of traces.db. */
  clickhouseUrl?: string;
  clickhouseDatabase?: string;
  logger: Logger;
  retentionDays: number;
  authorize(key: string): Promise<IngestGrant>;
  limits?: Partial<OtlpLimits>;
}

const DAY_US = 86_400_000_000;
/** Item types of Sentry envelopes that carry spans. */
export const SENTRY_SPAN_ITEMS = new Set(["transaction", "span"]);

/** The traces subsystem as one object: the store, OTLP ingest, Sentry items and the retention sweep. */
export async function createTracesService(options: TracesServiceOptions) {
  const { logger } = options;
  const store: TraceStore = options.clickhouseUrl
    ? await createClickHouseTraceStore({ url: options.clickhouseUrl, database: options.clickhouseDatabase })
    : new SqliteTraceStore(join(options.dataDir, "traces.db"));
  /** Stores what retention can act on (see admitSpanTimes); how many spans were refused. */
  const save = async (spans: SpanRecord[], owner: SpanOwner): Promise<number> => {
    const nowUs = Date.now() * 1000;
    const admitted = admitSpanTimes(spans, nowUs, nowUs - options.retentionDays * DAY_US);
    if (admitted.spans.length > 0) await store.insert(admitted.spans, owner);
    return admitted.rejected;
  };
  const otlp = createOtlpTraceHandler({
    authorize: options.authorize,
    store: save,
    limits: { ...defaultOtlpLimits, ...options.limits },
  });

  async function purgeExpired(now = Date.now()): Promise<number> {
    return store.purgeBefore(now * 1000 - options.retentionDays * DAY_US);
  }
  const sweeper = setInterval(() => {
    purgeExpired().catch((error) => logger.warn("trace retention sweep failed", { error }));
  }, 3_600_000);
  sweeper.unref();

  // Error links are a write per error event: batched, so error ingest pays one transaction per
  // quarter second rather than one per event.
  let pendingLinks: ErrorLink[] = [];
  let linkTimer: ReturnType<typeof setTimeout> | null = null;
  async function flushLinks(): Promise<void> {
    if (linkTimer) clearTimeout(linkTimer);
    linkTimer = null;
    const links = pendingLinks;
    pendingLinks = [];
    if (links.length > 0)
      await store
        .linkErrors(links)
        .catch((error) => logger.warn("error links not stored", { error, lost: links.length }));
  }
  function noteErrorEvent(projectId: number, eventId: string, traceId: string, spanId: string | null): void {
    if (pendingLinks.length >= 10_000) return;
    pendingLinks.push({ traceId, spanId, projectId, eventId, receivedUs: Date.now() * 1000 });
    linkTimer ??= setTimeout(() => void flushLinks(), 250);
  }

  /** A Sentry envelope item the errors ingest handed over (already authenticated). */
  function acceptSentryItem(owner: SpanOwner, type: string, payload: Uint8Array): boolean {
    if (!SENTRY_SPAN_ITEMS.has(type)) return false;
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(payload));
    } catch {
      logger.debug("sentry span item is not JSON; dropped", { type });
      return true;
    }
    const spans = type === "transaction" ? spansFromTransaction(json, owner) : spansFromSpanItem(json, owner);
    if (spans.length > 0)
      save(spans, owner).catch((error) =>
        logger.error("sentry spans not stored", { error, lost: spans.length }),
      );
    return true;
  }

  return {
    store,
    otlp,
    acceptSentryItem,
    noteErrorEvent,
    /** Reads go through here so a page opened right after an error sees its link. */
    flushLinks,
    purgeExpired,
    retentionDays: options.retentionDays,
    async stop(): Promise<void> {
      clearInterval(sweeper);
      await flushLinks();
      await store.close();
    },
  };
}

export type TracesService = Awaited<ReturnType<typeof createTracesService>>;
