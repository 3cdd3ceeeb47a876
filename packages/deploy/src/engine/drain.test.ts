import { expect, test } from "bun:test";
import { proxyDrainMonitor } from "./drain.ts";

test("the drain ends once nothing is in flight to the old upstreams, asked as http:// origins", async () => {
  const asked: string[][] = [];
  const counts = [2, 1, 0];
  const drain = proxyDrainMonitor(
    {
      inFlight: async (origins) => {
        asked.push(origins);
        return counts.shift() ?? 0;
      },
      closeTunnels: async () => 0,
    },
    5,
  );
  const started = performance.now();
  await drain.waitForIdle(["127.0.0.1:4001", "127.0.0.1:4002"], 5_000);
  expect(performance.now() - started).toBeLessThan(1_000);
  expect(asked).toHaveLength(3);
  expect(asked[0]).toEqual(["http://127.0.0.1:4001", "http://127.0.0.1:4002"]);
});

test("busy until the timeout: the drain gives up at the timeout, not before, and closes the tunnels left", async () => {
  const closed: string[][] = [];
  const drain = proxyDrainMonitor(
    { inFlight: async () => 1, closeTunnels: async (origins) => closed.push(origins) },
    5,
  );
  const started = performance.now();
  await drain.waitForIdle(["127.0.0.1:4001"], 150);
  const waited = performance.now() - started;
  expect(waited).toBeGreaterThanOrEqual(145);
  expect(waited).toBeLessThan(1_000);
  expect(closed).toEqual([["http://127.0.0.1:4001"]]);
});

test("no proxy, or workers that do not answer: the whole timeout is waited", async () => {
  const silent = {
    inFlight: async () => Promise.reject(new Error("no answer")),
    closeTunnels: async () => Promise.reject(new Error("no answer")),
  };
  for (const proxy of [undefined, silent]) {
    const started = performance.now();
    await proxyDrainMonitor(proxy, 5).waitForIdle(["127.0.0.1:4001"], 120);
    expect(performance.now() - started).toBeGreaterThanOrEqual(115);
  }
});
