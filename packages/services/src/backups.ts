import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { newId } from "@pier/core";
import { ArchiveCorruptError, newArchiveKey, readArchive, sha256Of, writeArchive } from "./backup/archive.ts";
import { streamChunk } from "./backup/chunks.ts";
import { dumpService, restoreMysql, restorePostgres, restoreRedis } from "./backup/logical.ts";
import { localTarget, s3Target } from "./backup/storage.ts";
import { type HelperTarget, restoreVolume, snapshotVolume } from "./backup/volumes.ts";
import type { ServicesContext } from "./context.ts";
import { serviceContainerName, serviceVolumeName } from "./docker/names.ts";
import { BackupNotFoundError, BackupUnusableError } from "./errors.ts";
import { kindSpec, type ServiceKind, upgradeDecision } from "./kinds.ts";
import { expiredBackups } from "./schedule.ts";
import type { BackupRow, ServiceRow } from "./store.ts";

const extensions: Record<string, string> = { pg_dump: "dump", sql: "sql", rdb: "rdb", tar: "tar" };

/** `2026-03-04T03-00-00Z`: sortable, and a valid file and object name. */
const stamp = (at: Date) =>
  at
    .toISOString()
    .replace(/\.\d+Z$/, "Z")
    .replaceAll(":", "-");

/**
 * Backups and restores of services (logical dumps, volume snapshots) and of apps' volumes. A
 * backup is streamed from the container through gzip (and encryption) to the data dir or S3,
 * with its checksum recorded; a restore checks the kind and the checksum before it touches the
 * service. A failed backup is recorded and reported through the notification channels.
 */
export class ServiceBackups {
  constructor(private readonly ctx: ServicesContext) {}

  async backupService(
    name: string,
    options: { trigger: "manual" | "schedule"; snapshot?: boolean },
  ): Promise<BackupRow> {
    const row = await this.ctx.find(name);
    // Before a backup is recorded: another pier's container is not a failed backup of this one's.
    await this.ctx.refuseForeign(row);
    const kind = row.kind as ServiceKind;
    const format = options.snapshot ? "tar" : kindSpec(kind).backupFormat;
    const backup = await this.start(row.name, {
      serviceId: row.id,
      kind,
      version: row.version,
      source: options.snapshot ? "volume" : "service",
      volume: options.snapshot ? serviceVolumeName(row.name) : null,
      format,
      trigger: options.trigger,
      target: row.backupTarget,
      encrypt: row.backupEncrypt,
    });
    const done = await this.ctx.exclusive(row.name, () =>
      this.store(backup, async () => {
        const docker = this.ctx.docker;
        if (!options.snapshot)
          return dumpService(docker, serviceContainerName(row.name), kind, await this.ctx.credentials(row));
        // A consistent snapshot of a database's files needs the server stopped: it starts at the end.
        await this.ctx.stopContainer(row);
        const tar = await snapshotVolume(docker, this.helperTarget(row.image, serviceVolumeName(row.name)));
        return afterEnd(tar, () => this.ctx.startAgain(row));
      }),
    );
    if (done.status === "ok") await this.prune(row);
    else this.reportFailure(done);
    return done;
  }

  async backupVolume(app: string, volume: string, dockerVolume: string, image: string): Promise<BackupRow> {
    const backup = await this.start(`${app}/${volume}`, {
      serviceId: null,
      kind: "volume",
      version: "-",
      source: "volume",
      volume: dockerVolume,
      appName: app,
      format: "tar",
      trigger: "manual",
      target: null,
      encrypt: false,
    });
    const done = await this.ctx.exclusive(dockerVolume, () =>
      this.store(backup, () => snapshotVolume(this.ctx.docker, this.helperTarget(image, dockerVolume))),
    );
    if (done.status !== "ok") this.reportFailure(done);
    return done;
  }

  private async start(
    serviceName: string,
    b: {
      serviceId: string | null;
      kind: string;
      version: string;
      source: "service" | "volume";
      volume: string | null;
      appName?: string;
      format: string;
      trigger: string;
      target: string | null;
      encrypt: boolean;
    },
  ): Promise<BackupRow> {
    const id = newId("bak");
    const startedAt = new Date();
    const objectName = `${serviceName}/${stamp(startedAt)}-${id}.${extensions[b.format]}.gz${b.encrypt ? ".enc" : ""}`;
    const target = b.target ? s3Target(b.target) : localTarget(this.ctx.deps.dataDir);
    const key = b.encrypt ? newArchiveKey() : undefined;
    return this.ctx.store.backups.insert({
      id,
      serviceId: b.serviceId,
      serviceName,
      kind: b.kind,
      version: b.version,
      source: b.source,
      volume: b.volume,
      appName: b.appName ?? null,
      format: b.format,
      location: target.locate(join("services", objectName)),
      status: "running",
      trigger: b.trigger,
      encrypted: Boolean(key),
      keySealed: key ? await this.ctx.deps.secretBox.encrypt(key.toString("base64")) : null,
      startedAt,
    });
  }

  /** Streams the dump into the backup's location and records the outcome (never throws). */
  private async store(backup: BackupRow, open: () => Promise<Readable>): Promise<BackupRow> {
    const storage = this.ctx.deps.storage;
    try {
      const key = await this.keyOf(backup);
      const stats = await writeArchive(await open(), await storage.writer(backup.location), { key });
      return (await this.ctx.store.backups.update(backup.id, {
        status: "ok",
        sizeBytes: stats.sizeBytes,
        rawBytes: stats.rawBytes,
        sha256: stats.sha256,
        finishedAt: new Date(),
      }))!;
    } catch (error) {
      await storage.remove(backup.location).catch(() => {});
      this.ctx.logger.warn("backup failed", { backup: backup.id, service: backup.serviceName, error });
      return (await this.ctx.store.backups.update(backup.id, {
        status: "failed",
        error: (error as Error).message,
        finishedAt: new Date(),
      }))!;
    }
  }

  private helperTarget(image: string, volume: string): HelperTarget {
    return { image, volume, instance: this.ctx.instance };
  }

  private reportFailure(backup: BackupRow): void {
    void this.ctx.deps.capabilities.notify?.notify({
      kind: "service.backup_failed",
      service: backup.serviceName,
      backupId: backup.id,
      reason: backup.error ?? "unknown reason",
    });
  }

  private async keyOf(backup: BackupRow): Promise<Buffer | undefined> {
    if (!backup.keySealed) return undefined;
    return Buffer.from(await this.ctx.deps.secretBox.decrypt(backup.keySealed), "base64");
  }

  /** Keep the newest `backupKeep` good backups of the service; older ones are deleted. */
  async prune(row: ServiceRow): Promise<void> {
    const rows = await this.ctx.store.backups.list({ serviceName: row.name, limit: 10_000 });
    for (const old of expiredBackups(
      rows.filter((r) => r.source === "service" || r.volume === serviceVolumeName(row.name)),
      row.backupKeep,
    )) {
      await this.ctx.deps.storage.remove(old.location).catch(() => {});
      await this.ctx.store.backups.remove(old.id);
    }
  }

  async find(id: string, serviceName?: string): Promise<BackupRow> {
    const backup = await this.ctx.store.backups.find(id);
    if (!backup || (serviceName !== undefined && backup.serviceName !== serviceName))
      throw new BackupNotFoundError(id);
    return backup;
  }

  /**
   * The stored archive, checked against its recorded checksum. A local file is read where it is;
   * an S3 object is downloaded to the data dir first (one pass to check, one to restore, without
   * fetching twice). `release` removes that copy.
   */
  private async verified(
    backup: BackupRow,
  ): Promise<{ open: () => Promise<Readable>; release: () => Promise<void> }> {
    if (backup.status !== "ok" || !backup.sha256)
      throw new BackupUnusableError(
        `Backup ${backup.id} did not complete (${backup.status}); pick one that did.`,
      );
    const storage = this.ctx.deps.storage;
    let path: string | undefined;
    let release = async () => {};
    if (backup.location.startsWith("file:")) path = backup.location.slice("file:".length);
    else {
      const spool = join(this.ctx.deps.dataDir, "backups", "spool");
      await mkdir(spool, { recursive: true, mode: 0o700 });
      path = join(spool, `${backup.id}.part`);
      const local = path;
      release = () => rm(local, { force: true });
      await pipeline(await storage.reader(backup.location), createWriteStream(local, { mode: 0o600 })).catch(
        async (error) => {
          await release();
          throw new BackupUnusableError(
            `Backup ${backup.id} could not be fetched from ${backup.location}: ${error.message}`,
          );
        },
      );
    }
    const file = path;
    const actual = await sha256Of(createReadStream(file)).catch((error: Error) => {
      throw new BackupUnusableError(
        `Backup ${backup.id} cannot be read at ${backup.location}: ${error.message}`,
      );
    });
    if (actual.sha256 !== backup.sha256 || actual.bytes !== backup.sizeBytes) {
      await release();
      throw new BackupUnusableError(
        `Backup ${backup.id} is damaged: its checksum does not match the one recorded when it was taken (${actual.bytes} of ${backup.sizeBytes} bytes). Nothing was changed; restore another backup.`,
      );
    }
    const key = await this.keyOf(backup);
    return {
      open: async () => readArchive(createReadStream(file, { highWaterMark: streamChunk }), { key }),
      release,
    };
  }

  /** Restores `backup` into the service `row` (same kind, checked by the caller). */
  async restoreInto(row: ServiceRow, backup: BackupRow): Promise<void> {
    const { open, release } = await this.verified(backup);
    const docker = this.ctx.docker;
    const kind = row.kind as ServiceKind;
    const container = serviceContainerName(row.name);
    try {
      await this.ctx.exclusive(row.name, async () => {
        await this.ctx.refuseForeign(row);
        if (backup.source === "volume") {
          await this.ctx.stopContainer(row);
          try {
            await restoreVolume(
              docker,
              this.helperTarget(row.image, serviceVolumeName(row.name)),
              await open(),
            );
          } finally {
            await this.ctx.startAgain(row);
          }
          return;
        }
        const credentials = await this.ctx.credentials(row);
        if (kind === "postgres") await restorePostgres(docker, container, credentials, await open());
        else if (kind === "mysql" || kind === "mariadb")
          await restoreMysql(docker, container, kind, credentials, open);
        else await restoreRedis(docker, container, { size: backup.rawBytes ?? 0, content: await open() });
      });
    } catch (error) {
      if (error instanceof ArchiveCorruptError) throw new BackupUnusableError(error.message);
      throw error;
    } finally {
      await release();
    }
  }

  /** Whether `backup` may go into a service of `kind` at `version`. */
  checkCompatible(backup: BackupRow, target: { kind: string; version: string; name: string }): void {
    if (backup.source === "volume" && backup.appName)
      throw new BackupUnusableError(
        `Backup ${backup.id} is a snapshot of the app volume ${backup.appName}/${backup.volume}; restore it with pier volumes restore.`,
      );
    if (backup.kind !== target.kind) {
      throw new BackupUnusableError(
        `Backup ${backup.id} is of a ${backup.kind} service; ${target.name} is ${target.kind}. Restore it into a ${backup.kind} service (--to NEW_NAME creates one).`,
      );
    }
    if (backup.version !== target.version) {
      const decision = upgradeDecision(
        backup.kind as ServiceKind,
        backup.version,
        target.version,
        target.name,
      );
      // A logical dump moves between major versions (that is the upgrade path); files do not.
      const crossesFormats = backup.source === "volume" && !(decision.ok && !decision.recreate);
      if (crossesFormats || (!decision.ok && decision.reason === "downgrade")) {
        throw new BackupUnusableError(
          `Backup ${backup.id} was taken from ${backup.kind} ${backup.version}; it cannot go into ${target.version}${backup.source === "volume" ? " (a volume snapshot needs the same version)" : " (an older version)"}.`,
        );
      }
    }
  }

  /** The dump itself (decompressed, decrypted), after the checksum check. */
  async download(backup: BackupRow): Promise<{ stream: Readable; filename: string }> {
    const { open, release } = await this.verified(backup);
    const stream = await open();
    const out = new PassThrough();
    stream.on("error", (error) => out.destroy(error));
    out.on("close", () => void release());
    return {
      stream: stream.pipe(out),
      filename: `${backup.serviceName.replaceAll("/", "-")}-${backup.id}.${extensions[backup.format]}`,
    };
  }

  async restoreAppVolume(backup: BackupRow, dockerVolume: string, image: string): Promise<void> {
    const { open, release } = await this.verified(backup);
    try {
      await this.ctx.exclusive(dockerVolume, async () =>
        restoreVolume(this.ctx.docker, this.helperTarget(image, dockerVolume), await open()),
      );
    } finally {
      await release();
    }
  }
}

/** Runs `then` once `stream` has ended (or failed), before its consumer sees the end. */
function afterEnd(stream: Readable, then: () => Promise<void>): Readable {
  const out = new PassThrough({ highWaterMark: streamChunk });
  stream.on("data", (chunk: Buffer) => {
    if (!out.write(chunk)) {
      stream.pause();
      out.once("drain", () => stream.resume());
    }
  });
  stream.on("end", () =>
    then().then(
      () => out.end(),
      (error: Error) => out.destroy(error),
    ),
  );
  stream.on("error", (error) => then().finally(() => out.destroy(error)));
  return out;
}
