import { dirname } from "node:path";
import { newId } from "@pier/core";
import { type Database, isStorageFull } from "@pier/db";
import { eq, sql } from "drizzle-orm";
import type { Grouping } from "../process/grouping.ts";
import { type IssueState, statusAfterEvent } from "../process/issue-status.ts";
import type { EventScrub } from "../process/prepare-event.ts";
import type { ProcessedEvent } from "../process/processed-event.ts";
import type { EventStore, StoredEvent } from "../store/event-store.ts";
import type { IssueStore } from "../store/issue-store.ts";
import { chunks, errorTables, type IssueRow, runWrites, type Write } from "../store/tables.ts";

/** The fields of an event the writer stores and aggregates; small, so it crosses threads cheaply. */
export type WriteEvent = Pick<
  ProcessedEvent,
  "eventId" | "receivedAt" | "level" | "platform" | "release" | "environment" | "serverName" | "tags"
>;

/** One accepted event on its way to storage: grouping is done on the request path already. */
export interface PendingEvent {
  projectId: number;
  event: WriteEvent;
  grouping: Pick<Grouping, "hash" | "kind">;
  title: string;
  culprit: string;
  userKey: string | null;
  /** The SDK's event JSON, stored as sent. */
  payload: Uint8Array;
}

export interface IssueNotice {
  kind: "created" | "regressed";
  issueId: string;
  projectId: number;
}

export interface EventWriterOptions {
  maxBatch?: number;
  flushIntervalMs?: number;
  /** Events held in memory before ingest answers 503: bounds memory when storage falls behind. */
  maxQueue?: number;
  /** How soon a batch kept because storage was full is tried again (default 1 s). */
  storageRetryMs?: number;
  /**
   * Take events while storage is full instead of refusing them: the writer thread's writer, whose
   * events the main thread has acknowledged already.
   */
  keepWhileStorageFull?: boolean;
  onNotice?: (notice: IssueNotice) => void;
  /** A batch that failed for another reason than full storage: it is not retried. */
  onError?: (error: unknown, dropped: number) => void;
  /** Storage ran out (with the error): batches are kept and retried; or a write succeeded again. */
  onStorageFullChange?: (full: boolean, error?: unknown) => void;
  /** After every batch, stored or dropped: how many events this writer has finished with in total. */
  onProgress?: (handled: number) => void;
}

/** An event not parsed yet: the writer thread parses, groups and stores it. */
export interface RawPendingEvent {
  projectId: number;
  eventId: string;
  receivedAt: number;
  payload: Uint8Array;
  /** Applied where the event is parsed (the writer thread, or the deferred sink). */
  scrub?: EventScrub;
}

/** Where accepted events go: the writer in this thread, or the same writer in a worker thread. */
export interface EventSink {
  /** False when the queue or storage is full: the caller answers 503 so the SDK retries later. */
  enqueue(item: PendingEvent): boolean;
  /** Present when the sink parses events itself (writer thread): the request path only frames them. */
  enqueueRaw?(item: RawPendingEvent): boolean;
  /** Resolves once everything enqueued before the call is stored. */
  flush(): Promise<void>;
  /** The API changed an issue (resolve, ignore, delete): later events must see that. */
  forgetIssue(row: Pick<IssueRow, "projectId" | "hash">): void;
  stop(): Promise<void>;
  readonly stored: number;
  /** Events accepted but not stored yet. */
  readonly pending: number;
  /** The last write found storage full: events are refused until a write succeeds again. */
  readonly storageFull: boolean;
  /** The writer thread died and a new one is starting: events are refused until it is up. */
  readonly writerDown?: boolean;
}

interface CachedIssue extends IssueState {
  id: string;
}

interface Committed {
  /** Events for the store's after-commit step (ClickHouse keeps them outside the transaction). */
  stored: StoredEvent[];
  notices: IssueNotice[];
}

const newIssueId = () => newId("iss", 12);

/**
 * Batches accepted events into one transaction per flush: one issue upsert per distinct issue,
 * one multi-row insert for events, tags and users. This is what makes thousands of events per
 * second fit on a small machine; the request path only parses and enqueues.
 *
 * A batch whose transaction fails because storage is full is kept, ahead of later events, and
 * tried again every `storageRetryMs`; meanwhile `enqueue` refuses, so ingest answers 503 instead
 * of acknowledging events it may not be able to keep. The first commit that succeeds ends that.
 */
export class EventWriter implements EventSink {
  private queue: PendingEvent[] = [];
  private flushing: Promise<void> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly issueCache = new Map<string, CachedIssue>();
  private readonly releaseCache = new Map<string, number>();
  /** (issue, user) pairs already stored: repeat users cost no insert and no recount. */
  private readonly knownUsers = new Set<string>();
  private readonly maxBatch: number;
  private readonly flushIntervalMs: number;
  private readonly maxQueue: number;
  private readonly storageRetryMs: number;
  private readonly isStorageFull: (error: unknown) => boolean;
  private readonly t;
  stored = 0;
  handled = 0;
  storageFull = false;

  constructor(
    private readonly database: Database,
    private readonly issues: IssueStore,
    private readonly events: EventStore,
    private readonly options: EventWriterOptions = {},
  ) {
    // A quarter second of events per transaction: under load, one issue update then covers hundreds
    // of events instead of a handful; with shorter batches issue updates took a large share of the
    // ingest CPU (docs/performance.md, Measured while building).
    // Readers never wait for it: the API flushes before it reads.
    this.maxBatch = options.maxBatch ?? 5000;
    this.flushIntervalMs = options.flushIntervalMs ?? 250;
    this.maxQueue = options.maxQueue ?? 20_000;
    this.storageRetryMs = options.storageRetryMs ?? 1000;
    const dataDir = database.dialect === "sqlite" ? dirname(database.location) : undefined;
    this.isStorageFull = (error) => isStorageFull(error, { dataDir });
    this.t = errorTables(database);
  }

  get pending(): number {
    return this.queue.length;
  }

  /** False when the queue or storage is full: the caller answers 503 so the SDK retries later. */
  enqueue(item: PendingEvent): boolean {
    if (this.storageFull && !this.options.keepWhileStorageFull) return false;
    if (this.queue.length >= this.maxQueue) return false;
    this.queue.push(item);
    if (this.queue.length >= this.maxBatch && !this.storageFull) void this.flush();
    else this.flushIn(this.flushIntervalMs);
    return true;
  }

  private flushIn(ms: number): void {
    this.timer ??= setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, ms);
  }

  /**
   * Writes everything queued so far; concurrent callers share the same run. While storage is
   * full it tries once and returns with the events still queued.
   */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.queue.length === 0) return;
    this.flushing = (async () => {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        let committed: Committed;
        try {
          committed = await this.commitBatch(batch);
        } catch (error) {
          this.forgetCached();
          if (this.isStorageFull(error)) {
            this.queue = batch.concat(this.queue);
            this.setStorageFull(true, error);
            this.flushIn(this.storageRetryMs);
            return;
          }
          this.options.onError?.(error, batch.length);
          this.progress(batch.length);
          continue;
        }
        this.setStorageFull(false);
        try {
          await this.events.afterCommit(committed.stored);
          this.stored += committed.stored.length;
          for (const notice of committed.notices) this.options.onNotice?.(notice);
        } catch (error) {
          // Committed already: trying the batch again would count its issues twice.
          this.forgetCached();
          this.options.onError?.(error, batch.length);
        }
        this.progress(batch.length);
      }
    })();
    try {
      await this.flushing;
    } finally {
      this.flushing = null;
    }
  }

  /** The API changed an issue (resolve, ignore, delete): later events must see that. */
  forgetIssue(row: Pick<IssueRow, "projectId" | "hash">): void {
    this.issueCache.delete(`${row.projectId}:${row.hash}`);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.queue.length > 0) {
      // Storage still full at shutdown: what is kept in memory goes with the process.
      this.options.onError?.(new Error("storage still full at shutdown"), this.queue.length);
      this.progress(this.queue.length);
      this.queue = [];
    }
  }

  private progress(events: number): void {
    this.handled += events;
    this.options.onProgress?.(this.handled);
  }

  /** After a failed transaction the caches may describe rows that were rolled back. */
  private forgetCached(): void {
    this.issueCache.clear();
    this.releaseCache.clear();
    this.knownUsers.clear();
  }

  private setStorageFull(full: boolean, error?: unknown): void {
    if (this.storageFull === full) return;
    this.storageFull = full;
    this.options.onStorageFullChange?.(full, error);
  }

  private async loadState(batch: PendingEvent[]): Promise<Write[]> {
    const writes: Write[] = [];
    const byProject = new Map<number, { hashes: Set<string>; releases: Map<string, number> }>();
    for (const item of batch) {
      let entry = byProject.get(item.projectId);
      if (!entry) {
        entry = { hashes: new Set(), releases: new Map() };
        byProject.set(item.projectId, entry);
      }
      if (!this.issueCache.has(`${item.projectId}:${item.grouping.hash}`))
        entry.hashes.add(item.grouping.hash);
      const release = item.event.release;
      if (
        release !== null &&
        !this.releaseCache.has(`${item.projectId}:${release}`) &&
        !entry.releases.has(release)
      ) {
        entry.releases.set(release, item.event.receivedAt);
      }
    }
    if (this.issueCache.size > 100_000) this.issueCache.clear();
    for (const [projectId, { hashes, releases }] of byProject) {
      for (const row of await this.issues.byHashes(projectId, [...hashes])) {
        this.issueCache.set(`${projectId}:${row.hash}`, {
          id: row.id,
          status: row.status,
          substatus: row.substatus,
          resolvedInRelease: row.resolvedInRelease,
        });
      }
      if (releases.size === 0) continue;
      const known = await this.issues.releaseFirstSeen(projectId, [...releases.keys()]);
      const fresh: { projectId: number; version: string; firstSeen: Date }[] = [];
      for (const [version, seen] of releases) {
        const firstSeen = known.get(version);
        if (firstSeen === undefined) fresh.push({ projectId, version, firstSeen: new Date(seen) });
        this.releaseCache.set(`${projectId}:${version}`, firstSeen ?? seen);
      }
      if (fresh.length > 0)
        writes.push((tx) => tx.insert(this.t.errorReleases).values(fresh).onConflictDoNothing());
    }
    return writes;
  }

  /**
   * The batch without events stored before, nor repeated in it: an event id counts once in its
   * issue however often, and however much later, the SDK sends it again.
   */
  private async notStoredYet(batch: PendingEvent[]): Promise<PendingEvent[]> {
    const stored = await this.events.storedIds(
      batch.map((item) => ({ projectId: item.projectId, eventId: item.event.eventId })),
    );
    return batch.filter((item) => {
      const key = `${item.projectId}:${item.event.eventId}`;
      if (stored.has(key)) return false;
      stored.add(key);
      return true;
    });
  }

  /** One transaction for the batch; what is left to do once it is committed comes back. */
  private async commitBatch(received: PendingEvent[]): Promise<Committed> {
    const batch = await this.notStoredYet(received);
    const writes = await this.loadState(batch);
    const { errorIssues: i, errorIssueTags: tags, errorIssueUsers: users } = this.t;
    const groups = new Map<string, PendingEvent[]>();
    for (const item of batch) {
      const key = `${item.projectId}:${item.grouping.hash}`;
      const list = groups.get(key);
      if (list) list.push(item);
      else groups.set(key, [item]);
    }
    const tagRows = new Map<
      string,
      { issueId: string; key: string; value: string; count: number; lastSeen: Date }
    >();
    const userRows = new Map<string, { issueId: string; userKey: string }>();
    const usersChanged = new Set<string>();
    const stored: StoredEvent[] = [];
    const notices: IssueNotice[] = [];

    for (const [key, items] of groups) {
      const last = items[items.length - 1]!;
      const projectId = last.projectId;
      const firstSeen = (release: string) => this.releaseCache.get(`${projectId}:${release}`);
      let cached = this.issueCache.get(key);
      let regressed = false;
      if (cached === undefined) {
        const first = items[0]!;
        cached = { id: newIssueId(), status: "unresolved", substatus: "new", resolvedInRelease: null };
        writes.push((tx) =>
          tx.insert(i).values({
            id: cached!.id,
            projectId,
            hash: first.grouping.hash,
            groupingKind: first.grouping.kind,
            title: last.title,
            culprit: last.culprit,
            level: last.event.level,
            platform: last.event.platform,
            status: "unresolved",
            substatus: "new",
            firstSeen: new Date(first.event.receivedAt),
            lastSeen: new Date(last.event.receivedAt),
            firstRelease: first.event.release,
            lastRelease: last.event.release,
            count: items.length,
          }),
        );
        notices.push({ kind: "created", issueId: cached.id, projectId });
      } else {
        let state: IssueState = cached;
        for (const item of items) {
          const next = statusAfterEvent(state, item.event.release, firstSeen);
          regressed ||= next.regressed;
          state = {
            status: next.status,
            substatus: next.substatus,
            resolvedInRelease: next.resolvedInRelease,
          };
        }
        const id = cached.id;
        const changed = state.status !== cached.status || state.substatus !== cached.substatus;
        cached = { id, ...state };
        writes.push((tx) =>
          tx
            .update(i)
            .set({
              count: sql`${i.count} + ${items.length}`,
              lastSeen: new Date(last.event.receivedAt),
              title: last.title,
              culprit: last.culprit,
              level: last.event.level,
              ...(last.event.release !== null ? { lastRelease: last.event.release } : {}),
              ...(changed
                ? {
                    status: state.status,
                    substatus: state.substatus,
                    resolvedInRelease: state.resolvedInRelease,
                    ...(regressed ? { resolvedAt: null } : {}),
                  }
                : {}),
            })
            .where(eq(i.id, id)),
        );
        if (regressed) notices.push({ kind: "regressed", issueId: id, projectId });
      }
      this.issueCache.set(key, cached);
      const issueId = cached.id;
      for (const item of items) {
        const e = item.event;
        const seen = new Date(e.receivedAt);
        const addTag = (k: string, v: string | null) => {
          if (v === null || v === "") return;
          const tagKey = `${issueId}\u0000${k}\u0000${v}`;
          const row = tagRows.get(tagKey);
          if (row) {
            row.count++;
            row.lastSeen = seen;
          } else tagRows.set(tagKey, { issueId, key: k, value: v, count: 1, lastSeen: seen });
        };
        addTag("environment", e.environment);
        addTag("release", e.release);
        addTag("level", e.level);
        addTag("server_name", e.serverName);
        for (const [k, v] of Object.entries(e.tags)) addTag(k, v);
        if (item.userKey !== null) {
          const pair = `${issueId}\u0000${item.userKey}`;
          if (!this.knownUsers.has(pair) && !userRows.has(pair)) {
            userRows.set(pair, { issueId, userKey: item.userKey });
            usersChanged.add(issueId);
          }
        }
        stored.push({
          projectId: item.projectId,
          eventId: e.eventId,
          issueId,
          receivedAt: e.receivedAt,
          level: e.level,
          release: e.release,
          environment: e.environment,
          payload: item.payload,
        });
      }
    }

    for (const part of chunks([...tagRows.values()], 500)) {
      writes.push((tx) =>
        tx
          .insert(tags)
          .values(part)
          .onConflictDoUpdate({
            target: [tags.issueId, tags.key, tags.value],
            set: { count: sql`${tags.count} + excluded.count`, lastSeen: sql`excluded.last_seen` },
          }),
      );
    }
    for (const part of chunks([...userRows.values()], 1000)) {
      writes.push((tx) => tx.insert(users).values(part).onConflictDoNothing());
    }
    for (const issueId of usersChanged) {
      writes.push((tx) =>
        tx
          .update(i)
          .set({ usersCount: sql`(select count(*) from ${users} where ${users.issueId} = ${issueId})` })
          .where(eq(i.id, issueId)),
      );
    }
    writes.push(...this.events.transactionalWrites(stored));
    await runWrites(this.database, writes);
    if (this.knownUsers.size > 200_000) this.knownUsers.clear();
    for (const pair of userRows.keys()) this.knownUsers.add(pair);
    return { stored, notices };
  }
}
