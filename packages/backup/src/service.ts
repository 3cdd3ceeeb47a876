import { isAbsolute, join, resolve } from "node:path";
import { type Logger, newId } from "@pier/core";
import type { Database, Stores } from "@pier/db";
import type { NotificationEvent } from "@pier/notify";
import type { ProgressListener } from "./archive/progress.ts";
import { type Snapshot, takeSnapshot } from "./archive/snapshot.ts";
import { archiveStream } from "./archive/write.ts";
import { BackupKeyError, BackupRunningError, BackupTargetError } from "./errors.ts";
import { archiveName, selectPrunable } from "./format/archive-name.ts";
import { chunksOf, streamOf } from "./format/byte-reader.ts";
import { type EncryptionKey, parseKeyFile } from "./format/encryption.ts";
import { manifestTotals } from "./format/manifest.ts";
import {
  type BackupSettings,
  type BackupSettingsPatch,
  defaultBackupSettings,
  type EncryptionSetting,
  type StoredBackupSettings,
  storedBackupSettingsSchema,
} from "./settings.ts";
import { type BackupRunRow, type BackupRunStore, createBackupRunStore } from "./store.ts";
import { type BackupTarget, isS3Location, openTarget } from "./targets/target.ts";

const settingsKey = "backup";
const heartbeatMs = 20_000;
/** A running row whose heartbeat is older than this belongs to a process that is gone. */
export const staleAfterMs = 120_000;

export interface BackupServiceOptions {
  database: Database;
  stores: Stores;
  dataDir: string;
  databaseUrl?: string;
  clickhouse: boolean;
  version: string;
  logger: Logger;
  notify?: (event: NotificationEvent) => Promise<void>;
  env?: Record<string, string | undefined>;
}

export interface RunOptions {
  trigger: "schedule" | "manual";
  slot?: string;
  onProgress?: ProgressListener;
}

/** Reads a key file or passphrase variable the settings refer to. */
export async function encryptionKeyOf(
  setting: EncryptionSetting,
  env: Record<string, string | undefined>,
): Promise<EncryptionKey | undefined> {
  if (setting.kind === "none") return undefined;
  if (setting.kind === "key-file") {
    const text = await Bun.file(setting.path)
      .text()
      .catch((error: Error) => {
        throw new BackupKeyError(`cannot read the backup key file ${setting.path}: ${error.message}`);
      });
    try {
      return { kind: "key-file", key: parseKeyFile(text) };
    } catch (error) {
      throw new BackupKeyError(`${setting.path}: ${(error as Error).message}`);
    }
  }
  const passphrase = env[setting.name];
  if (!passphrase)
    throw new BackupKeyError(
      `${setting.name} is not set in pier's environment: set it to the backup passphrase and restart pier`,
    );
  return { kind: "passphrase", passphrase };
}

/** Backups made by the server: runs to the configured target, downloads, settings, run history. */
export class BackupService {
  readonly runs: BackupRunStore;
  private busy = false;

  constructor(private readonly options: BackupServiceOptions) {
    this.runs = createBackupRunStore(options.database);
  }

  private get env() {
    return this.options.env ?? process.env;
  }

  defaultTarget(): string {
    return join(resolve(this.options.dataDir), "backups");
  }

  async settings(): Promise<StoredBackupSettings> {
    const stored = storedBackupSettingsSchema.safeParse(await this.options.stores.settings.get(settingsKey));
    return stored.success
      ? stored.data
      : { ...defaultBackupSettings, scheduleSetAt: new Date(0).toISOString() };
  }

  /** Checks that the target and key can be used before they are saved: a schedule fails at 03:00 otherwise. */
  async updateSettings(patch: BackupSettingsPatch, now = new Date()): Promise<StoredBackupSettings> {
    const current = await this.settings();
    const next: BackupSettings = { ...current, ...patch };
    if (next.target && !isS3Location(next.target) && !isAbsolute(next.target))
      throw new BackupTargetError(
        `the target "${next.target}" must be an absolute path on the server (or s3://bucket/prefix)`,
      );
    openTarget(next.target ?? this.defaultTarget(), this.env);
    await encryptionKeyOf(next.encryption, this.env);
    const stored: StoredBackupSettings = {
      schedule: next.schedule,
      keep: next.keep,
      target: next.target,
      encryption: next.encryption,
      scheduleSetAt:
        patch.schedule !== undefined && patch.schedule !== current.schedule
          ? now.toISOString()
          : current.scheduleSetAt,
    };
    await this.options.stores.settings.set(settingsKey, stored, now);
    return stored;
  }

  private snapshot(runId: string, exclude: string[], onProgress?: ProgressListener): Promise<Snapshot> {
    return takeSnapshot({
      dataDir: this.options.dataDir,
      databaseUrl: this.options.databaseUrl,
      clickhouse: this.options.clickhouse,
      version: this.options.version,
      runId,
      exclude,
      onProgress,
    });
  }

  private begin(): void {
    if (this.busy) throw new BackupRunningError();
    this.busy = true;
  }

  private heartbeat(runId: string): () => void {
    const timer = setInterval(() => {
      this.runs.update(runId, { heartbeatAt: new Date() }).catch(() => {});
    }, heartbeatMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  private warnings(): string[] {
    return this.options.clickhouse
      ? [
          "ClickHouse is configured: its events (analytics, request logs, error occurrences, AI usage) are not in the archive",
        ]
      : [];
  }

  /**
   * Makes an archive in the configured target and, for scheduled runs, prunes it to `keep`.
   * Resolves with the final row, failed or not; null when another pier process claimed the slot.
   */
  async run(options: RunOptions): Promise<BackupRunRow | null> {
    this.begin();
    try {
      const settings = await this.settings();
      const targetSpec = settings.target ?? this.defaultTarget();
      const id = newId("bkp");
      const now = new Date();
      const encrypted = settings.encryption.kind !== "none";
      const claimed = await this.runs.claim({
        id,
        trigger: options.trigger,
        slot: options.slot ?? null,
        status: "running",
        target: targetSpec,
        encrypted,
        warnings: this.warnings(),
        startedAt: now,
        heartbeatAt: now,
      });
      if (!claimed) return null;
      const stopBeating = this.heartbeat(id);
      let snapshot: Snapshot | undefined;
      try {
        const target = openTarget(targetSpec, this.env);
        const key = await encryptionKeyOf(settings.encryption, this.env);
        snapshot = await this.snapshot(
          id,
          isS3Location(targetSpec) ? [] : [target.location],
          options.onProgress,
        );
        const name = archiveName(now, encrypted);
        const stored = await target.write(
          name,
          archiveStream(snapshot, { encryption: key, onProgress: options.onProgress }),
        );
        const warnings = this.warnings();
        if (options.trigger === "schedule") {
          const pruned = await this.prune(target, settings.keep).catch((error: Error) => {
            warnings.push(`pruning ${target.location} failed: ${error.message}`);
            return [];
          });
          if (pruned.length)
            this.options.logger.info("old backups pruned", { target: target.location, pruned });
        }
        await this.runs.update(id, {
          status: "succeeded",
          archive: stored.location,
          bytes: stored.bytes,
          files: manifestTotals(snapshot.manifest).files,
          warnings,
          finishedAt: new Date(),
          heartbeatAt: new Date(),
        });
        this.options.logger.info("backup made", { archive: stored.location, bytes: stored.bytes });
      } catch (error) {
        await this.fail(id, targetSpec, error);
      } finally {
        stopBeating();
        await snapshot?.cleanup();
      }
      return (await this.runs.find(id)) ?? null;
    } finally {
      this.busy = false;
    }
  }

  private async fail(id: string, target: string, error: unknown): Promise<void> {
    const message = (error as Error)?.message ?? String(error);
    this.options.logger.error("backup failed", { run: id, target, error });
    await this.runs.update(id, {
      status: "failed",
      error: message,
      finishedAt: new Date(),
      heartbeatAt: new Date(),
    });
    await this.options
      .notify?.({ kind: "backup.failed", runId: id, target, reason: message })
      .catch(() => {});
  }

  async prune(target: BackupTarget, keep: number): Promise<string[]> {
    const names = selectPrunable(
      (await target.list()).map((a) => a.name),
      keep,
    );
    for (const name of names) await target.remove(name);
    return names;
  }

  /**
   * An archive streamed to the caller instead of stored here (`pier backup create --to` on a
   * laptop). The snapshot is taken before the answer starts; the run is recorded as it ends.
   */
  async download(
    key: EncryptionKey | undefined,
    onProgress?: ProgressListener,
  ): Promise<{ run: BackupRunRow; name: string; totalBytes: number; stream: ReadableStream<Uint8Array> }> {
    this.begin();
    const id = newId("bkp");
    const now = new Date();
    let snapshot: Snapshot | undefined;
    let stopBeating = () => {};
    try {
      await this.runs.claim({
        id,
        trigger: "download",
        status: "running",
        target: "download",
        encrypted: key !== undefined,
        warnings: this.warnings(),
        startedAt: now,
        heartbeatAt: now,
      });
      stopBeating = this.heartbeat(id);
      snapshot = await this.snapshot(id, [this.defaultTarget()], onProgress);
    } catch (error) {
      stopBeating();
      this.busy = false;
      await this.fail(id, "download", error);
      throw error;
    }
    const taken = snapshot;
    const name = archiveName(now, key !== undefined);
    const source = chunksOf(archiveStream(taken, { encryption: key, onProgress }));
    let bytes = 0;
    let settled = false;
    const finish = async (error?: unknown) => {
      if (settled) return;
      settled = true;
      stopBeating();
      this.busy = false;
      await taken.cleanup();
      if (error) await this.fail(id, "download", error);
      else
        await this.runs.update(id, {
          status: "succeeded",
          archive: name,
          bytes,
          files: manifestTotals(taken.manifest).files,
          finishedAt: new Date(),
        });
    };
    const counted = (async function* () {
      try {
        for await (const chunk of source) {
          bytes += chunk.length;
          yield chunk;
        }
      } catch (error) {
        await finish(error);
        throw error;
      }
      await finish();
    })();
    // Cancelling the answer (the client went away) throws into `counted`, which records the failure.
    return {
      run: (await this.runs.find(id))!,
      name,
      totalBytes: manifestTotals(taken.manifest).bytes,
      stream: streamOf(counted),
    };
  }

  /** Fails runs a crashed process left "running". */
  async sweepStale(now = new Date()): Promise<number> {
    return this.runs.failStale(new Date(now.getTime() - staleAfterMs), now);
  }
}
