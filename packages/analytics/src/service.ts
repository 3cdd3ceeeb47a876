import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { isStorageFull } from "@pier/db";
import type { RawBeacon } from "@pier/proxy/edge";
import { type BeaconContext, type EnrichResult, enrichBeacon } from "./ingest/enrich.ts";
import { IngestRefusedError } from "./ingest/ingest-refused.ts";
import type { IngestStats } from "./ingest/ingest-stats.ts";
import type { IngestRecord } from "./ingest/records.ts";
import { SessionTracker } from "./ingest/sessions.ts";
import { SaltRing, type SaltStorage } from "./ingest/visitor.ts";
import { WriteQueue } from "./ingest/write-queue.ts";
import type { AnalyticsQuery, AnalyticsStore, FunnelResult, FunnelStep } from "./query/types.ts";
import { ClickHouseAnalyticsStore } from "./store/clickhouse-store.ts";
import { SqliteAnalyticsStore } from "./store/sqlite-store.ts";

export type { IngestStats };

/** Told when writes start failing for want of storage (with the error) and when one succeeds again. */
export type StorageFullListener = (full: boolean, error?: unknown) => void;

export interface AnalyticsOptions {
  dataDir: string;
  /** PIER_CLICKHOUSE_URL: events go to ClickHouse instead of `<dataDir>/analytics.db`. */
  clickhouseUrl?: string;
  queueCapacity?: number;
  batchSize?: number;
  flushIntervalMs?: number;
  onWriteError?(error: unknown, lost: number): void;
  now?: () => number;
  /** A site's excluded paths (its settings): records of those paths are accepted and dropped. */
  isExcluded?(site: string, path: string): boolean;
}

/** The running analytics subsystem: ingest pipeline, write queue and the store queries go to. */
export class Analytics {
  private readonly counters = { accepted: 0, bots: 0, invalid: 0 };
  private readonly sweeper: ReturnType<typeof setInterval>;

  private constructor(
    readonly store: AnalyticsStore,
    private readonly salts: SaltRing,
    private readonly saltDb: Database,
    private readonly sessions: SessionTracker,
    private readonly queue: WriteQueue,
    private readonly now: () => number,
    private readonly storage: { isFull(error: unknown): boolean; listeners: Set<StorageFullListener> },
    private readonly isExcluded: (site: string, path: string) => boolean,
  ) {
    this.sweeper = setInterval(() => {
      this.sessions.sweep(this.now());
      // One day per minute at most: bounded work on the console's thread, done long before anyone asks.
      if (this.store instanceof SqliteAnalyticsStore) {
        try {
          this.store.rollUpPending(1);
        } catch (error) {
          // A full disk only postpones the roll-up (queries roll up what they need themselves).
          if (!this.storage.isFull(error)) throw error;
        }
      }
    }, 60_000);
    this.sweeper.unref?.();
  }

  static async start(options: AnalyticsOptions): Promise<Analytics> {
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    const now = options.now ?? Date.now;
    const dbPath = join(options.dataDir, "analytics.db");
    const store: AnalyticsStore = options.clickhouseUrl
      ? await ClickHouseAnalyticsStore.open({ url: options.clickhouseUrl })
      : new SqliteAnalyticsStore({ path: dbPath, now });
    // Salts stay local even with ClickHouse: they must never leave the machine or outlive two days.
    const saltDb = new Database(dbPath, { create: true, strict: true });
    saltDb.run("PRAGMA busy_timeout = 5000");
    saltDb.run("CREATE TABLE IF NOT EXISTS salts (day INTEGER PRIMARY KEY, salt TEXT NOT NULL)");
    const listeners = new Set<StorageFullListener>();
    const isFull = (error: unknown) => isStorageFull(error, { dataDir: options.dataDir });
    const queue = new WriteQueue({
      capacity: options.queueCapacity ?? 100_000,
      batchSize: options.batchSize ?? 2_000,
      flushIntervalMs: options.flushIntervalMs ?? 250,
      write: (batch) => store.write(batch),
      onError: options.onWriteError ?? (() => {}),
      isStorageFull: isFull,
      onStorageFullChange: (full, error) => {
        for (const listener of listeners) listener(full, error);
      },
    });
    const salts = new SaltRing(saltStorage(saltDb, isFull));
    return new Analytics(
      store,
      salts,
      saltDb,
      new SessionTracker(),
      queue,
      now,
      { isFull, listeners },
      options.isExcluded ?? (() => false),
    );
  }

  /**
   * Validates, enriches and queues one beacon; never waits for the store. Throws InvalidEventError,
   * or IngestRefusedError (503) when the beacon cannot be queued: the sender is told, not dropped.
   */
  ingest(body: string, context: Omit<BeaconContext, "now">): EnrichResult {
    const result = this.enrich(body, context);
    if (!result.accepted || this.excluded(result.record)) return result;
    if (!this.queue.offer(result.record)) throw new IngestRefusedError(this.queue.storageFull);
    this.counters.accepted++;
    return result;
  }

  /**
   * Beacons read by proxy workers (`readBeacon`), posted here in batches; bad ones are counted, not
   * thrown. The workers answered them already, so they are kept while storage is full too (up to
   * the queue's capacity); the module switches the workers' answering off meanwhile.
   */
  ingestRaw(beacons: RawBeacon[]): void {
    for (const { body, ...context } of beacons) {
      let result: EnrichResult;
      try {
        result = this.enrich(body, context);
      } catch {
        continue; // counted as invalid by enrich()
      }
      if (result.accepted && !this.excluded(result.record) && this.queue.keep(result.record))
        this.counters.accepted++;
    }
  }

  /** Whether storage is full: beacons are refused until a write succeeds again. */
  get storageFull(): boolean {
    return this.queue.storageFull;
  }

  /** Calls `listener` whenever that changes; returns how to stop. */
  onStorageFullChange(listener: StorageFullListener): () => void {
    this.storage.listeners.add(listener);
    return () => this.storage.listeners.delete(listener);
  }

  private excluded(record: IngestRecord): boolean {
    const { site, path } = record.kind === "event" ? record.event : record.vitals;
    return this.isExcluded(site, path);
  }

  private enrich(body: string, context: Omit<BeaconContext, "now">): EnrichResult {
    let result: EnrichResult;
    try {
      result = enrichBeacon(body, { ...context, now: this.now() }, this.salts, this.sessions);
    } catch (error) {
      this.counters.invalid++;
      throw error;
    }
    if (!result.accepted) this.counters.bots++;
    return result;
  }

  funnel(q: AnalyticsQuery, steps: FunnelStep[]): Promise<FunnelResult> {
    return this.store.funnel(q, steps);
  }

  /** Writes what is queued; tests and shutdown use it, ingest never waits for it. */
  flush(): Promise<void> {
    return this.queue.flush();
  }

  stats(): IngestStats {
    return { ...this.counters, ...this.queue.snapshot(), openVisits: this.sessions.size };
  }

  async stop(): Promise<void> {
    clearInterval(this.sweeper);
    await this.queue.close();
    await this.store.close();
    this.saltDb.close();
  }
}

function saltStorage(db: Database, isStorageFull: (error: unknown) => boolean): SaltStorage {
  return {
    load: () => db.query("SELECT day, salt FROM salts").all() as { day: number; salt: string }[],
    save: (day, salt) => {
      try {
        db.query("INSERT OR REPLACE INTO salts (day, salt) VALUES (?, ?)").run(day, salt);
      } catch (error) {
        // The day's salt then lives in memory only: after a restart today, visitors count anew.
        if (!isStorageFull(error)) throw error;
      }
    },
    deleteBefore: (day) => void db.query("DELETE FROM salts WHERE day < ?").run(day),
  };
}
