/**
 * A service's local dumps travel in `pier backup create`'s archive and stay restorable after
 * `pier backup restore` into another data dir: the file comes back and its row points at it.
 * Real stores on SQLite and the real archive code of @pier/backup; no Docker needed.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { archiveStream, restoreArchive, takeSnapshot } from "@pier/backup";
import { servicesTestContext } from "../testing/services-test-context.ts";
import { writeArchive } from "./backup/archive.ts";
import { localTarget } from "./backup/storage.ts";

const scratch = mkdtempSync(join(tmpdir(), "pier-svc-platform-archive-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

test("a local service dump goes into the platform archive and is restorable from the restored data dir", async () => {
  const dataDir = join(scratch, "data");
  const { database, ctx } = await servicesTestContext(dataDir);
  const dump = "-- PostgreSQL dump\nCREATE TABLE orders (id int);\n";
  await ctx.store.services.insert({
    id: "svc_1",
    name: "shop-db",
    kind: "postgres",
    version: "16",
    image: "postgres:16",
    credentialsSealed: "unused",
  });
  const location = localTarget(dataDir).locate("services/shop-db/2026-03-04T03-00-00Z-bak_1.sql.gz");
  await ctx.store.backups.insert({
    id: "bak_1",
    serviceId: "svc_1",
    serviceName: "shop-db",
    kind: "postgres",
    version: "16",
    source: "service",
    format: "sql",
    location,
    status: "running",
    trigger: "manual",
    startedAt: new Date(),
  });
  const stats = await writeArchive(Readable.from([dump]), await ctx.deps.storage.writer(location));
  await ctx.store.backups.update("bak_1", { status: "ok", finishedAt: new Date(), ...stats });
  // A dump being written meanwhile is no backup yet: it stays out.
  await Bun.write(`${location.slice("file:".length).replace("bak_1", "bak_2")}.part`, "half a dump");

  const snapshot = await takeSnapshot({
    dataDir,
    clickhouse: false,
    version: "0.1.0",
    exclude: [join(dataDir, "backups")],
  });
  const archive = join(scratch, "pier-backup.tar.gz");
  try {
    await Bun.write(archive, new Response(archiveStream(snapshot, {})));
  } finally {
    await snapshot.cleanup();
  }
  const members = snapshot.manifest.files.map((f) => f.path);
  expect(members).toContain("data/backups/services/shop-db/2026-03-04T03-00-00Z-bak_1.sql.gz");
  expect(members.some((p) => p.endsWith(".part"))).toBe(false);
  await database.close();

  const restored = join(scratch, "restored");
  const report = await restoreArchive({
    source: Bun.file(archive).stream(),
    archiveName: archive,
    dataDir: restored,
    force: false,
    keepInstanceId: false,
    version: "0.1.0",
  });
  expect(report.services).toEqual([
    { service: "shop-db", kind: "postgres", inArchive: ["bak_1"], inS3: [], missing: [] },
  ]);
  expect(readdirSync(join(restored, "backups", "services", "shop-db"))).toEqual([
    "2026-03-04T03-00-00Z-bak_1.sql.gz",
  ]);

  // The old data dir is gone, as on a new server: the row must lead to the restored copy.
  rmSync(dataDir, { recursive: true, force: true });
  const after = await servicesTestContext(restored);
  const row = await after.backups.find("bak_1", "shop-db");
  expect(row.location).toBe(`file:${restored}/backups/services/shop-db/2026-03-04T03-00-00Z-bak_1.sql.gz`);
  const { stream } = await after.backups.download(row);
  expect(await text(stream)).toBe(dump);
  await after.database.close();
});
