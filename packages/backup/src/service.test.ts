import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "@pier/core";
import { createStores, type Database, openDatabase } from "@pier/db";
import type { NotificationEvent } from "@pier/notify";
import { SQL } from "bun";
import { testPostgresUrl } from "../../../test/support/database-backends.ts";
import { readArchive } from "./archive/read.ts";
import { backupMigrations } from "./migrations.ts";
import { BackupScheduler } from "./scheduler.ts";
import { BackupService } from "./service.ts";

const scratch = mkdtempSync(join(tmpdir(), "pier-backup-service-"));
const adminUrl = testPostgresUrl();
const pgName = `pier_backup_${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
let admin: SQL | undefined;
const opened: Database[] = [];

afterAll(async () => {
  for (const db of opened) await db.close();
  if (admin) {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${pgName} WITH (FORCE)`);
    await admin.close();
  }
  rmSync(scratch, { recursive: true, force: true });
});

async function open(dialect: "sqlite" | "postgres", dataDir: string): Promise<Database> {
  let databaseUrl: string | undefined;
  if (dialect === "postgres") {
    admin ??= new SQL(adminUrl!);
    await admin.unsafe(`CREATE DATABASE ${pgName}`);
    const url = new URL(adminUrl!);
    url.pathname = `/${pgName}`;
    databaseUrl = url.toString();
  }
  const database = await openDatabase({ dataDir, databaseUrl });
  await database.migrate(backupMigrations);
  opened.push(database);
  return Object.assign(database, { url: databaseUrl });
}

const backends = [
  { dialect: "sqlite" as const, enabled: true },
  { dialect: "postgres" as const, enabled: adminUrl !== undefined },
];

for (const backend of backends) {
  describe.if(backend.enabled)(`backup service on ${backend.dialect}`, () => {
    test("runs to its target, keeps the run, prunes scheduled ones, notifies a failure, one process per slot", async () => {
      const dataDir = join(scratch, backend.dialect);
      mkdirSync(dataDir, { recursive: true });
      const database = await open(backend.dialect, dataDir);
      writeFileSync(join(dataDir, "secret.key"), "k".repeat(44));
      const events: NotificationEvent[] = [];
      const make = () =>
        new BackupService({
          database,
          stores: createStores(database),
          dataDir,
          databaseUrl: (database as Database & { url?: string }).url,
          clickhouse: false,
          version: "0.1.0",
          logger: silentLogger,
          notify: async (event) => {
            events.push(event);
          },
        });
      const service = make();
      const target = join(scratch, `${backend.dialect}-archives`);
      await service.updateSettings({ target, keep: 1, schedule: "hourly" });

      const manual = await service.run({ trigger: "manual" });
      expect(manual).toMatchObject({ status: "succeeded", trigger: "manual" });
      expect(manual!.bytes).toBeGreaterThan(0);
      const [name] = readdirSync(target);
      const { manifest } = await readArchive(Bun.file(join(target, name!)).stream(), undefined);
      expect(manifest.dialect).toBe(backend.dialect);
      expect(manifest.runId).toBe(manual!.id);
      expect(manifest.files.map((f) => f.path)).toContain(
        backend.dialect === "sqlite" ? "data/pier.db" : "database/postgres.sql",
      );
      expect(manifest.migrations).toContain("backup/0000_init");

      // Two processes, one slot: the second finds it taken.
      const slot = "2026-01-01T03:00:00.000Z";
      await Bun.sleep(5);
      expect(await service.run({ trigger: "schedule", slot })).toMatchObject({ status: "succeeded" });
      expect(await make().run({ trigger: "schedule", slot })).toBeNull();
      // keep = 1: the scheduled run pruned the manual archive.
      expect(readdirSync(target)).toHaveLength(1);

      await service.updateSettings({ target: join(scratch, "not-a-dir-file", "x") });
      writeFileSync(join(scratch, "not-a-dir-file"), "");
      const failed = await service.run({ trigger: "manual" });
      expect(failed).toMatchObject({ status: "failed" });
      expect(events).toEqual([expect.objectContaining({ kind: "backup.failed", runId: failed!.id })]);

      // A run whose process died is marked failed once its heartbeat is old.
      await service.runs.claim({
        id: "bkp_dead",
        trigger: "manual",
        status: "running",
        target: "x",
        startedAt: new Date(Date.now() - 600_000),
        heartbeatAt: new Date(Date.now() - 600_000),
      });
      expect(await service.sweepStale()).toBe(1);
      expect(await service.runs.find("bkp_dead")).toMatchObject({ status: "failed" });
    }, 60_000);
  });
}

test("the scheduler makes the due slot's backup once, after the schedule was set", async () => {
  const dataDir = join(scratch, "scheduler");
  const database = await open("sqlite", dataDir);
  writeFileSync(join(dataDir, "secret.key"), "k".repeat(44));
  const service = new BackupService({
    database,
    stores: createStores(database),
    dataDir,
    clickhouse: false,
    version: "0.1.0",
    logger: silentLogger,
  });
  let now = new Date(2026, 0, 1, 2, 0);
  await service.updateSettings({ schedule: "daily 03:00", target: join(scratch, "scheduled") }, now);
  const scheduler = new BackupScheduler(service, silentLogger, () => now);
  await scheduler.tick();
  expect(await service.runs.list()).toHaveLength(0);
  now = new Date(2026, 0, 1, 3, 0, 30);
  await scheduler.tick();
  await scheduler.tick();
  const runs = await service.runs.list();
  expect(runs).toHaveLength(1);
  expect(runs[0]).toMatchObject({
    trigger: "schedule",
    status: "succeeded",
    slot: new Date(2026, 0, 1, 3, 0).toISOString(),
  });
});
