import { expect, test } from "bun:test";
import { CheckScheduler, type Clock, nextSlot, phaseOf } from "./scheduler.ts";

/** A manual clock: time moves only when the test says so, timers fire in order. */
function fakeClock() {
  let now = 1_000_000;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const clock: Clock = {
    now: () => now,
    setTimeout: (fn, ms) => {
      timers.set(++seq, { at: now + ms, fn });
      return seq;
    },
    clearTimeout: (handle) => timers.delete(handle as number),
  };
  const advance = async (ms: number) => {
    const end = now + ms;
    while (true) {
      const next = [...timers.entries()].sort((a, b) => a[1].at - b[1].at)[0];
      if (!next || next[1].at > end) break;
      timers.delete(next[0]);
      now = Math.max(now, next[1].at);
      next[1].fn();
      // Let resolved check promises run their finally blocks.
      await Bun.sleep(0);
    }
    now = end;
    await Bun.sleep(0);
  };
  return { clock, advance, pending: () => timers.size };
}

test("slots are stable per monitor and spread over the interval", () => {
  const phases = Array.from({ length: 200 }, (_, i) => phaseOf(`mon_${i}`, 60_000));
  expect(phaseOf("mon_1", 60_000)).toBe(phaseOf("mon_1", 60_000));
  // 200 monitors over 60 one-second buckets: no bucket should hold a large share.
  const buckets = new Map<number, number>();
  for (const p of phases) buckets.set(Math.floor(p / 1000), (buckets.get(Math.floor(p / 1000)) ?? 0) + 1);
  expect(buckets.size).toBeGreaterThan(40);
  expect(Math.max(...buckets.values())).toBeLessThan(15);
  const slot = nextSlot("mon_1", 60_000, 5_000_000);
  expect(slot).toBeGreaterThan(5_000_000);
  expect(slot - 5_000_000).toBeLessThanOrEqual(60_000);
  expect((slot - phaseOf("mon_1", 60_000)) % 60_000).toBe(0);
});

test("each monitor runs once per interval on its slot", async () => {
  const { clock, advance } = fakeClock();
  const runs: { id: string; at: number }[] = [];
  const scheduler = new CheckScheduler({
    clock,
    concurrency: 10,
    run: async (id) => {
      runs.push({ id, at: clock.now() });
    },
  });
  scheduler.upsert("a", 10_000);
  scheduler.upsert("b", 10_000);
  await advance(60_000);
  expect(runs.filter((r) => r.id === "a")).toHaveLength(6);
  expect(runs.filter((r) => r.id === "b")).toHaveLength(6);
  for (const r of runs) expect((r.at - phaseOf(r.id, 10_000)) % 10_000).toBe(0);
  await scheduler.stop();
});

test("concurrency is bounded and slow checks skip slots instead of piling up", async () => {
  const { clock, advance } = fakeClock();
  let inFlight = 0;
  let peak = 0;
  const started: string[] = [];
  const release: (() => void)[] = [];
  const scheduler = new CheckScheduler({
    clock,
    concurrency: 2,
    run: (id) => {
      started.push(id);
      inFlight++;
      peak = Math.max(peak, inFlight);
      return new Promise<void>((resolve) =>
        release.push(() => {
          inFlight--;
          resolve();
        }),
      );
    },
  });
  for (const id of ["a", "b", "c", "d"]) scheduler.upsert(id, 10_000, true);
  await advance(0);
  expect(started).toHaveLength(2);
  // 30 s pass with both checks hung: nothing else may start and the hung ones may not restart.
  await advance(30_000);
  expect(started).toHaveLength(2);
  expect(peak).toBe(2);
  release.shift()!();
  await advance(0);
  expect(started).toHaveLength(3);
  while (release.length) release.shift()!();
  await advance(0);
  while (release.length) release.shift()!();
  await advance(0);
  expect(new Set(started)).toEqual(new Set(["a", "b", "c", "d"]));
  expect(peak).toBe(2);
  while (release.length) release.shift()!();
  await scheduler.stop();
});
