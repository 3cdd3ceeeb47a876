import { expect, test } from "bun:test";
import { observeHealth, type WatchState } from "./health.ts";

test("down for long enough is reported once, recovery after a report is reported", () => {
  let state: WatchState = { downSince: null, reported: false };
  const look = (health: Parameters<typeof observeHealth>[1], at: number) => {
    const result = observeHealth(state, health, at, 1000);
    state = result.state;
    return result.event;
  };
  expect(look("healthy", 0)).toBeNull();
  expect(look("stopped", 100)).toBeNull();
  expect(look("unhealthy", 900)).toBeNull();
  expect(look("stopped", 1100)).toEqual({ kind: "down", since: 100 });
  expect(look("stopped", 5000)).toBeNull();
  expect(look("starting", 5100)).toBeNull();
  expect(look("healthy", 6100)).toEqual({ kind: "recovered", downMs: 6000 });
  expect(look("stopped", 7000)).toBeNull();
  expect(look("healthy", 7500)).toBeNull();
});
