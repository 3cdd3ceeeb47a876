import type { Logger } from "@pier/core";
import type { Database } from "@pier/db";
import type { SecretBox } from "@pier/secrets";
import { type Dsn, formatDsn } from "./dsn.ts";
import { type BodyLimits, defaultBodyLimits } from "./ingest/decode-body.ts";
import { DeferredSink } from "./ingest/deferred-sink.ts";
import { type EventSink, EventWriter, type IssueNotice } from "./ingest/event-writer.ts";
import { createIngestHandler, type IngestDeps } from "./ingest/handler.ts";
import { ingestKeyGrant } from "./ingest/key-grant.ts";
import { KeyRateLimiter } from "./ingest/rate-limit.ts";
import { IngestStats } from "./ingest/stats.ts";
import { WriterThread } from "./ingest/writer-thread.ts";
import { pgMigrations, sqliteMigrations } from "./migrations.gen.ts";
import {
  defaultIssueAlertLimits,
  IssueAlertLimiter,
  type IssueAlertLimits,
  type NotificationEvent,
  newIssueEvent,
} from "./notify/issue-alerts.ts";
import { sendWebhook } from "./notify/webhook.ts";
import { boundJsonDepth } from "./process/bound-depth.ts";
import type { IssueStatus } from "./process/issue-status.ts";
import { normalizeEvent } from "./process/normalize.ts";
import type { ProcessedEvent } from "./process/processed-event.ts";
import { readRawEvent } from "./process/read-event.ts";
import { createReplayIngest, defaultReplayLimits } from "./replays/replay-ingest.ts";
import { createReplayStore } from "./replays/replay-store.ts";
import { SourceMapStore } from "./sourcemaps/store.ts";
import { symbolicate } from "./sourcemaps/symbolicate.ts";
import { createClickHouseEventStore } from "./store/clickhouse-event-store.ts";
import type { EventStore, StoredPayload } from "./store/event-store.ts";
import { createIssueStore } from "./store/issue-store.ts";
import { createProjectStore } from "./store/project-store.ts";
import { createSqlEventStore } from "./store/sql-event-store.ts";
import type { IssueRow, ProjectRow } from "./store/tables.ts";

export interface ErrorsServiceOptions {
  database: Database;
  logger: Logger;
  secretBox?: SecretBox;
  clickhouseUrl?: string;
  /** ClickHouse database name (default: the URL's path, else "pier"). */
  clickhouseDatabase?: string;
  limits?: Partial<BodyLimits>;
  retentionDays?: number;
  /** Where the dashboard lives, for links in webhook payloads. */
  consoleUrl: string;
  writer?: { maxBatch?: number; flushIntervalMs?: number; maxQueue?: number };
  /**
   * Store events from a worker thread (SQLite without ClickHouse only; default on), started on the
   * first event. Off, or when the worker cannot start, the writer runs on the main thread.
   */
  writerThread?: boolean;
  webhookFetch?: (input: string, init?: RequestInit) => Promise<Response>;
  /** pier's notification channels (`error.new_issue`); without it only project webhooks are sent. */
  notifyChannels?: (event: NotificationEvent) => Promise<unknown>;
  /** How many new-issue alerts per project go out one by one before they are summed up. */
  issueAlertLimits?: IssueAlertLimits;
  /** Where uploaded source maps are kept (files); without it events are shown as stored. */
  sourceMapsDir?: string;
  /** Session replays: days kept after their last segment (default 14) and stored bytes per replay. */
  replays?: { retentionDays?: number; maxBytesPerReplay?: number };
  /** Envelope items other subsystems keep (see IngestDeps.forwardItem). */
  forwardItem?: IngestDeps["forwardItem"];
  observeEvent?: IngestDeps["observeEvent"];
}

const DAY = 86_400_000;

/** The error-tracking subsystem as one object: ingest, the query side and the retention sweep. */
export async function createErrorsService(options: ErrorsServiceOptions) {
  const { database, logger } = options;
  await database.migrate({ sqlite: sqliteMigrations, pg: pgMigrations });
  const projects = createProjectStore(database);
  const issues = createIssueStore(database);
  const events: EventStore = options.clickhouseUrl
    ? await createClickHouseEventStore({ url: options.clickhouseUrl, database: options.clickhouseDatabase })
    : createSqlEventStore(database);
  const retentionDays = options.retentionDays ?? 30;
  const sourceMaps = options.sourceMapsDir ? new SourceMapStore(options.sourceMapsDir) : null;
  const withSourceMaps = async (event: ProcessedEvent | null, projectId: number) => {
    const release = event?.release;
    if (!event || !sourceMaps || !release) return event;
    try {
      return await symbolicate(event, (file) => sourceMaps.get(projectId, release, file));
    } catch (error) {
      // A broken map must not hide the event: show it as stored.
      logger.warn("source map lookup failed", { projectId, release, error });
      return event;
    }
  };
  const stats = new IngestStats();
  const deliveries = new Set<Promise<unknown>>();

  async function notify(notice: IssueNotice): Promise<void> {
    const project = await projects.get(notice.projectId);
    if (!project?.webhookUrl) return;
    const issue = await issues.get(notice.issueId);
    if (!issue) return;
    const secret =
      project.webhookSecretSealed && options.secretBox
        ? await options.secretBox.decrypt(project.webhookSecretSealed)
        : null;
    const event = notice.kind === "created" ? "issue.created" : "issue.regressed";
    const result = await sendWebhook(
      { url: project.webhookUrl, secret },
      event,
      {
        event,
        project: { id: project.id, name: project.name },
        issue: issueJson(issue),
        url: `${options.consoleUrl}/errors/issues/${issue.id}`,
      },
      { fetch: options.webhookFetch },
    );
    if (!result.delivered)
      logger.warn("error webhook not delivered", { event, url: project.webhookUrl, status: result.status });
  }

  const alertLimiter = new IssueAlertLimiter(options.issueAlertLimits ?? defaultIssueAlertLimits);
  const summaryTimers = new Set<ReturnType<typeof setTimeout>>();

  /** `error.new_issue` to the channels that want it; regressions have no event kind of their own. */
  async function alertChannels(notice: IssueNotice): Promise<void> {
    const send = options.notifyChannels;
    if (!send || notice.kind !== "created") return;
    const [project, issue] = await Promise.all([projects.get(notice.projectId), issues.get(notice.issueId)]);
    if (!project || !issue) return;
    const event = newIssueEvent(project.name, issue, options.consoleUrl);
    const verdict = alertLimiter.admit(project.id, event, Date.now());
    if (verdict.send) {
      await send(event);
      return;
    }
    if (verdict.summaryAt === undefined) return;
    const timer = setTimeout(
      () => {
        summaryTimers.delete(timer);
        const summary = alertLimiter.takeSummary(project.id, `${options.consoleUrl}/errors`);
        if (summary)
          track(send(summary).catch((error) => logger.warn("issue summary alert failed", { error })));
      },
      Math.max(0, verdict.summaryAt - Date.now()),
    );
    timer.unref();
    summaryTimers.add(timer);
  }

  const track = (delivery: Promise<unknown>) => {
    deliveries.add(delivery);
    void delivery.finally(() => deliveries.delete(delivery));
  };
  const onNotice = (notice: IssueNotice) => {
    track(notify(notice).catch((error) => logger.warn("error webhook failed", { error })));
    track(alertChannels(notice).catch((error) => logger.warn("new issue alert failed", { error })));
  };
  const onError = (error: unknown, dropped: number) =>
    logger.error("error events could not be stored", { error, dropped });
  const onStorageFullChange = (full: boolean, error?: unknown) => {
    if (full) logger.error("storage full: error events are kept and retried, ingest answers 503", { error });
    else logger.info("storage writable again: error events are stored and accepted");
  };
  const mainThreadWriter = () =>
    new EventWriter(database, issues, events, {
      ...options.writer,
      onNotice,
      onError,
      onStorageFullChange,
    });
  const onInvalid = (projectId: number, count: number) => stats.add(projectId, "invalid_event", count);
  const writer: EventSink =
    database.dialect === "sqlite" && !options.clickhouseUrl && options.writerThread !== false
      ? new DeferredSink({
          start: () =>
            WriterThread.start({
              sqlitePath: database.location,
              ...options.writer,
              onNotice,
              onError,
              onStorageFullChange,
              onInvalid,
              onRestart: () =>
                logger.info("error-tracking writer thread started again; ingest accepts events"),
            }),
          fallback: mainThreadWriter,
          maxQueue: options.writer?.maxQueue ?? 20_000,
          onInvalid,
          onStartError: (error) =>
            logger.warn("error-tracking writer thread unavailable; storing events on the main thread", {
              error,
            }),
        })
      : mainThreadWriter();

  // Replays stay in SQL with ClickHouse too: they are a few rows of large blobs, read one at a time.
  const replays = createReplayStore(database);
  const replayRetentionDays = options.replays?.retentionDays ?? 14;
  const replayLimits = {
    ...defaultReplayLimits,
    ...(options.replays?.maxBytesPerReplay ? { maxBytesPerReplay: options.replays.maxBytesPerReplay } : {}),
  };
  const limiter = new KeyRateLimiter();
  const ingest = createIngestHandler({
    project: (id) => projects.get(id),
    writer,
    limiter,
    limits: { ...defaultBodyLimits, ...options.limits },
    stats,
    replays: createReplayIngest({ store: replays, stats, limits: replayLimits }),
    forwardItem: options.forwardItem,
    observeEvent: options.observeEvent,
  });
  const authorizeIngest = ingestKeyGrant(projects, limiter);

  async function purgeExpired(now = Date.now()): Promise<void> {
    const cutoff = now - retentionDays * DAY;
    await events.purgeBefore(cutoff);
    await issues.purgeBefore(new Date(cutoff));
    await replays.purgeBefore(now - replayRetentionDays * DAY);
  }
  const sweeper = setInterval(() => {
    purgeExpired().catch((error) => logger.warn("error retention sweep failed", { error }));
  }, 3600_000);
  sweeper.unref();

  return {
    projects,
    issues,
    events,
    writer,
    stats,
    ingest,
    authorizeIngest,
    retentionDays,
    replays,
    replayRetentionDays,
    replayLimits,
    purgeExpired,
    /** Reads go through here so an API call right after ingest sees the event (read-your-writes). */
    async settled(): Promise<void> {
      await writer.flush();
    },
    dsn(project: ProjectRow, base: { protocol: "http" | "https"; host: string; path?: string }): string {
      const dsn: Dsn = {
        ...base,
        path: base.path ?? "",
        publicKey: project.publicKey,
        projectId: String(project.id),
      };
      return formatDsn(dsn);
    },
    sourceMaps,
    /** Events come back with frames of minified code resolved through the maps of their release. */
    async latestEvent(issue: Pick<IssueRow, "id" | "projectId">): Promise<ProcessedEvent | null> {
      return withSourceMaps(readStored(await events.latest(issue.id)), issue.projectId);
    },
    async event(projectId: number, eventId: string): Promise<ProcessedEvent | null> {
      return withSourceMaps(readStored(await events.get(projectId, eventId)), projectId);
    },
    /** The issue an event was grouped into (null when the store does not know it). */
    async issueOfEvent(projectId: number, eventId: string): Promise<string | null> {
      return (await events.get(projectId, eventId))?.issueId ?? null;
    },
    async setStatus(
      issue: IssueRow,
      status: IssueStatus,
      resolvedInRelease?: string | null,
    ): Promise<IssueRow> {
      await writer.flush();
      const updated = await issues.setStatus(
        issue.id,
        status,
        resolvedInRelease ?? issue.lastRelease ?? null,
      );
      writer.forgetIssue(issue);
      return updated ?? issue;
    },
    /** The project, its issues (foreign keys) and its events (no foreign key: they may live in ClickHouse). */
    async deleteProject(project: ProjectRow): Promise<void> {
      await writer.flush();
      await projects.delete(project.id);
      await events.deleteProject(project.id);
      await sourceMaps?.removeProject(project.id);
    },
    async deleteIssue(issue: IssueRow): Promise<void> {
      await writer.flush();
      await issues.delete(issue.id);
      await events.deleteIssue(issue.id);
      writer.forgetIssue(issue);
    },
    async stop(): Promise<void> {
      clearInterval(sweeper);
      for (const timer of summaryTimers) clearTimeout(timer);
      await writer.stop();
      await Promise.allSettled([...deliveries]);
      await events.close();
    },
  };
}

/** The full normalization of a stored SDK payload, done when someone looks at it. */
function readStored(stored: StoredPayload | null): ProcessedEvent | null {
  if (stored === null) return null;
  // Events stored before ingest bounded their depth can be nested past what the recursive steps after
  // this (normalization, the JSON answer) survive. Later ones were cut at ingest, so for them this is
  // one pass that finds nothing and returns the same string: kept, as it is paid only on a read.
  const raw = readRawEvent(JSON.parse(boundJsonDepth(stored.json)));
  if (raw === null) return null;
  const event = normalizeEvent(raw, stored.eventId, stored.receivedAt);
  if (event.fingerprint.length === 0) event.fingerprint = ["{{ default }}"];
  return event;
}

export type ErrorsService = Awaited<ReturnType<typeof createErrorsService>>;

/** The API's view of an issue row (dates as epoch ms). */
export function issueJson(issue: IssueRow) {
  return {
    id: issue.id,
    projectId: issue.projectId,
    title: issue.title,
    culprit: issue.culprit,
    level: issue.level,
    platform: issue.platform,
    status: issue.status,
    substatus: issue.substatus,
    groupingKind: issue.groupingKind,
    count: issue.count,
    usersCount: issue.usersCount,
    firstSeen: issue.firstSeen.getTime(),
    lastSeen: issue.lastSeen.getTime(),
    firstRelease: issue.firstRelease,
    lastRelease: issue.lastRelease,
    resolvedInRelease: issue.resolvedInRelease,
    resolvedAt: issue.resolvedAt?.getTime() ?? null,
  };
}
