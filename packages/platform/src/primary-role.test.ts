import { describe, expect, test } from "bun:test";
import { silentLogger } from "@pier/core";
import type { LeaseStore } from "@pier/db";
import { createPrimaryRole, holderIsGone, PRIMARY_LEASE, primaryHolderId } from "./primary-role.ts";

/** The lease store's semantics (see @pier/db stores/leases.ts) over a Map. */
function memoryLeases(): LeaseStore & { rows: Map<string, { holder: string; expiresAt: Date }> } {
  const rows = new Map<string, { holder: string; expiresAt: Date; acquiredAt: Date }>();
  return {
    rows,
    async acquire(name, holder, ttlMs, now = new Date()) {
      const row = rows.get(name);
      if (row && row.holder !== holder && row.expiresAt >= now) return false;
      rows.set(name, {
        holder,
        expiresAt: new Date(now.getTime() + ttlMs),
        acquiredAt: row?.acquiredAt ?? now,
      });
      return true;
    },
    async release(name, holder) {
      if (rows.get(name)?.holder === holder) rows.delete(name);
    },
    async find(name) {
      const row = rows.get(name);
      return row ? { name, ...row } : undefined;
    },
  } as LeaseStore & { rows: Map<string, { holder: string; expiresAt: Date }> };
}

describe("holderIsGone", () => {
  const alive = (pid: number) => pid === 100;
  test("a holder of this host whose process no longer runs is gone", () => {
    expect(holderIsGone(primaryHolderId("web1", 200, "ab12cd34"), "web1", alive)).toBe(true);
    expect(holderIsGone(primaryHolderId("web1", 100, "ab12cd34"), "web1", alive)).toBe(false);
  });
  test("holders on other hosts, and holders named otherwise, are never judged", () => {
    expect(holderIsGone(primaryHolderId("web2", 200, "ab12cd34"), "web1", alive)).toBe(false);
    expect(holderIsGone("cron-runner-1", "web1", alive)).toBe(false);
    expect(holderIsGone(primaryHolderId("host:with:colons", 200, "n"), "host:with:colons", alive)).toBe(true);
  });
});

describe("the primary role", () => {
  test("a fresh start takes a free lease before its modules start and runs their work", async () => {
    const leases = memoryLeases();
    const role = createPrimaryRole({ leases, logger: silentLogger, host: "h" });
    await role.compete();
    expect(role.held()).toBe(true);
    const events: string[] = [];
    role.run("checks", () => {
      events.push("start");
      return () => {
        events.push("stop");
      };
    });
    expect(events).toEqual(["start"]);
    await role.release();
    expect(events).toEqual(["start", "stop"]);
    expect(leases.rows.has(PRIMARY_LEASE)).toBe(false);
  });

  test("a successor serves without the role, and takes it the moment its predecessor releases it", async () => {
    const leases = memoryLeases();
    const predecessor = createPrimaryRole({ leases, logger: silentLogger, host: "h" });
    await predecessor.compete();
    const successor = createPrimaryRole({ leases, logger: silentLogger, host: "h" });
    const ran: string[] = [];
    successor.run("checks", () => {
      ran.push("successor");
      return undefined;
    });
    expect(successor.held()).toBe(false);
    // A hand-over being prepared: the predecessor begins no new deploy, its running work goes on.
    const resume = predecessor.prepareHandover();
    expect(predecessor.held()).toBe(false);
    resume();
    expect(predecessor.held()).toBe(true);
    predecessor.prepareHandover();
    await predecessor.release();
    await successor.compete();
    expect(successor.held()).toBe(true);
    expect(ran).toEqual(["successor"]);
    await successor.release();
  });

  test("a lease left by a process of this host that is gone is taken over at once", async () => {
    const leases = memoryLeases();
    leases.rows.set(PRIMARY_LEASE, {
      holder: primaryHolderId("h", 2 ** 22 + 17, "dead"),
      expiresAt: new Date(Date.now() + 60_000),
    });
    const role = createPrimaryRole({ leases, logger: silentLogger, host: "h" });
    await role.compete();
    expect(role.held()).toBe(true);
    await role.release();
  });

  test("a lease held by a live process elsewhere is waited for, not taken", async () => {
    const leases = memoryLeases();
    leases.rows.set(PRIMARY_LEASE, { holder: "other-host:1:x", expiresAt: new Date(Date.now() + 60_000) });
    const role = createPrimaryRole({ leases, logger: silentLogger, host: "h", ttlMs: 60_000 });
    const started = performance.now();
    await role.compete();
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(role.held()).toBe(false);
    await role.release();
    expect(leases.rows.get(PRIMARY_LEASE)?.holder).toBe("other-host:1:x");
  });
});
