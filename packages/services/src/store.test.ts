import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Database, openDatabase } from "@pier/db";
import { freshPostgresDatabase } from "../../../test/support/database-backends.ts";
import { servicesMigrations } from "./migrations.ts";
import { createServicesStore } from "./store.ts";

// The store is written once against drizzle: the same checks on the embedded SQLite and on a
// real PostgreSQL (json, booleans, bigints and timestamps differ between the dialects).
const postgres = freshPostgresDatabase("pier_services");
const backends: { name: string; open(): Promise<Database> }[] = [
  { name: "sqlite", open: () => openDatabase({ dataDir: mkdtempSync(join(tmpdir(), "pier-svc-store-")) }) },
];
if (postgres)
  backends.push({
    name: "postgres",
    open: async () => openDatabase({ dataDir: "/nonexistent", databaseUrl: await postgres.create() }),
  });

const opened: Database[] = [];
afterAll(async () => {
  for (const database of opened) await database.close();
});

describe.each(backends)("services store on $name", (backend) => {
  test("services, links with previews, backups newest first, interrupted ones failed, deletion", async () => {
    const database = await backend.open();
    opened.push(database);
    await database.migrate(servicesMigrations);
    const store = createServicesStore(database);
    const row = await store.services.insert({
      id: "svc_1",
      name: "shop-db",
      kind: "postgres",
      version: "16",
      image: "postgres:16",
      memoryBytes: 6 * 1024 ** 3,
      credentialsSealed: "v1.x.y",
      backupSchedule: "daily 03:00",
    });
    expect(row.backupKeep).toBe(7);
    expect(row.backupEncrypt).toBe(false);
    expect(row.createdAt).toBeInstanceOf(Date);
    expect((await store.services.withSchedule()).map((s) => s.name)).toEqual(["shop-db"]);
    expect((await store.services.findById("svc_1"))?.name).toBe("shop-db");
    expect((await store.services.update("svc_1", { backupEncrypt: true }))!.backupEncrypt).toBe(true);

    const link = await store.links.insert({
      id: "lnk_1",
      serviceId: "svc_1",
      appId: "app_1",
      appName: "shop",
      envVar: "DATABASE_URL",
    });
    expect(link.previews).toEqual({});
    await store.links.setPreviews("lnk_1", { "feature-x": "shop_db_feature_x" });
    expect((await store.links.forApp("app_1"))[0]!.previews).toEqual({ "feature-x": "shop_db_feature_x" });

    const at = (minute: number) => new Date(Date.UTC(2026, 2, 4, 3, minute));
    for (const [id, minute, status] of [
      ["bak_1", 0, "ok"],
      ["bak_2", 5, "running"],
    ] as const) {
      await store.backups.insert({
        id,
        serviceId: "svc_1",
        serviceName: "shop-db",
        kind: "postgres",
        version: "16",
        source: "service",
        format: "pg_dump",
        location: `file:/backups/${id}`,
        status,
        trigger: "manual",
        sizeBytes: 5 * 1024 ** 3,
        startedAt: at(minute),
      });
    }
    expect((await store.backups.list({ serviceName: "shop-db" })).map((b) => b.id)).toEqual([
      "bak_2",
      "bak_1",
    ]);
    expect(await store.backups.failInterrupted()).toBe(1);
    expect((await store.backups.find("bak_2"))!.status).toBe("failed");
    expect((await store.backups.find("bak_1"))!.sizeBytes).toBe(5 * 1024 ** 3);

    await store.services.remove("svc_1");
    expect(await store.services.find("shop-db")).toBeUndefined();
    expect(await store.services.findById("svc_1")).toBeUndefined();
    expect(await store.links.forApp("app_1")).toEqual([]);
    // Backups outlive their service: restorable into a new one.
    expect((await store.backups.find("bak_1"))!.serviceId).toBeNull();
  });
});
