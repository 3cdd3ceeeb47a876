import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freshPostgresDatabase } from "../../../../test/support/database-backends.ts";
import { holdLease } from "../lease.ts";
import { openDatabase } from "../open.ts";
import { createLeaseStore } from "./leases.ts";

const postgres = freshPostgresDatabase("pier_leases");
const backends: [string, () => Promise<string | undefined>][] = [["sqlite", async () => undefined]];
if (postgres) backends.push(["postgres", () => postgres.create()]);

for (const [dialect, url] of backends) {
  describe(`leases on ${dialect}`, async () => {
    const database = await openDatabase({
      dataDir: mkdtempSync(join(tmpdir(), "pier-lease-")),
      databaseUrl: await url(),
    });
    afterAll(() => database.close());
    const leases = createLeaseStore(database);
    const t0 = new Date("2030-01-01T00:00:00Z");
    const at = (ms: number) => new Date(t0.getTime() + ms);

    test("one holder at a time; renewals keep it; an expired lease is taken over", async () => {
      expect(await leases.acquire("job", "a", 10_000, t0)).toBe(true);
      expect(await leases.acquire("job", "b", 10_000, at(1_000))).toBe(false);
      expect(await leases.acquire("job", "a", 10_000, at(5_000))).toBe(true);
      // a renewed at 5 s: still held at 12 s.
      expect(await leases.acquire("job", "b", 10_000, at(12_000))).toBe(false);
      expect((await leases.find("job"))?.acquiredAt.getTime()).toBe(t0.getTime());
      expect(await leases.acquire("job", "b", 10_000, at(15_001))).toBe(true);
      expect((await leases.find("job"))?.holder).toBe("b");
      expect(await leases.acquire("job", "a", 10_000, at(16_000))).toBe(false);
    });

    test("release lets the next holder in at once; another holder's release changes nothing", async () => {
      expect(await leases.acquire("other", "a", 60_000, t0)).toBe(true);
      await leases.release("other", "b");
      expect(await leases.acquire("other", "b", 60_000, at(1))).toBe(false);
      await leases.release("other", "a");
      expect(await leases.acquire("other", "b", 60_000, at(2))).toBe(true);
    });

    test("holdLease: only one of two processes runs the job; the second takes over after a stop", async () => {
      const events: string[] = [];
      const first = holdLease({
        leases,
        name: "scheduler",
        holder: "p1",
        ttlMs: 300,
        onAcquired: () => events.push("p1 on"),
        onLost: () => events.push("p1 off"),
      });
      await Bun.sleep(50);
      const second = holdLease({
        leases,
        name: "scheduler",
        holder: "p2",
        ttlMs: 300,
        onAcquired: () => events.push("p2 on"),
        onLost: () => events.push("p2 off"),
      });
      await Bun.sleep(400);
      expect(events).toEqual(["p1 on"]);
      expect(first.held()).toBe(true);
      expect(second.held()).toBe(false);
      await first.stop();
      await Bun.sleep(300);
      expect(events).toEqual(["p1 on", "p1 off", "p2 on"]);
      await second.stop();
    });
  });
}
