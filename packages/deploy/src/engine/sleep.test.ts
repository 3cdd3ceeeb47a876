import { expect, test } from "bun:test";
import { defaultPierConfig, type PierConfig } from "../pier-toml.ts";
import { appRoutes, servedEnvironment } from "./serving.ts";
import { shouldSleep, sleepAfterOf } from "./sleep.ts";

const config = (deploy?: number, preview?: number): PierConfig => ({
  ...defaultPierConfig,
  deploy: { ...defaultPierConfig.deploy, sleep_after: deploy },
  preview: { ...defaultPierConfig.preview, sleep_after: preview },
});

test("previews take [preview] sleep_after, then [deploy]; production only [deploy]", () => {
  expect(sleepAfterOf(config(), "preview")).toBeUndefined();
  expect(sleepAfterOf(config(undefined, 1800_000), "preview")).toBe(1800_000);
  expect(sleepAfterOf(config(3600_000, 1800_000), "preview")).toBe(1800_000);
  expect(sleepAfterOf(config(3600_000), "preview")).toBe(3600_000);
  expect(sleepAfterOf(config(undefined, 1800_000), "production")).toBeUndefined();
  expect(sleepAfterOf(config(3600_000, 1800_000), "production")).toBe(3600_000);
});

test("idle long enough, not deploying, nothing in flight (an open WebSocket keeps it awake)", () => {
  const base = { sleepAfterMs: 2000, lastActiveAt: 10_000, now: 12_000, busy: false, inFlight: 0 };
  expect(shouldSleep(base)).toBe(true);
  expect(shouldSleep({ ...base, now: 11_999 })).toBe(false);
  expect(shouldSleep({ ...base, busy: true })).toBe(false);
  expect(shouldSleep({ ...base, inFlight: 1 })).toBe(false);
  expect(shouldSleep({ ...base, sleepAfterMs: undefined })).toBe(false);
});

test("a sleeping environment keeps its routes, without upstreams and marked sleeping", () => {
  const env = { id: "env_1", name: "feature-x", kind: "preview" as const, host: "feature-x--shop.pier.test" };
  const awake = servedEnvironment({ id: "app_1", name: "shop" }, env, "dep_1", [
    { containerId: "c1", upstream: "127.0.0.1:4000" },
  ]);
  expect(appRoutes([awake], new Map(), "pier.test")[0]).toMatchObject({
    id: "deploy:env_1:feature-x--shop.pier.test",
    upstreams: ["http://127.0.0.1:4000"],
  });
  expect(appRoutes([awake], new Map(), "pier.test")[0]?.sleeping).toBeUndefined();
  const asleep = { ...servedEnvironment({ id: "app_1", name: "shop" }, env, "dep_1", []), sleeping: true };
  expect(appRoutes([asleep], new Map(), "pier.test")).toEqual([
    expect.objectContaining({ id: "deploy:env_1:feature-x--shop.pier.test", upstreams: [], sleeping: true }),
  ]);
  // Nothing deployed yet (no replicas, not sleeping): no route.
  expect(appRoutes([{ ...asleep, sleeping: false }], new Map(), "pier.test")).toEqual([]);
});
