import { expect, test } from "bun:test";
import type { ProjectRow } from "../store/tables.ts";
import { ingestKeyGrant } from "./key-grant.ts";
import { KeyRateLimiter } from "./rate-limit.ts";

const keyA = "a".repeat(32);
const keyB = "b".repeat(32);

test("a project key grants its project; a rotated key stops at once; each stream has its own bucket", async () => {
  const row = { id: 4, name: "shop", appId: "app_1", publicKey: keyA, rateLimitPerMinute: 6 } as ProjectRow;
  const projects = {
    get: async (id: number) => (id === row.id ? row : undefined),
    byPublicKey: async (key: string) => (key === row.publicKey ? row : undefined),
  };
  const authorize = ingestKeyGrant(projects, new KeyRateLimiter(() => 0));
  expect(await authorize(keyA, "traces")).toEqual({ ok: true, projectId: 4, appId: "app_1", name: "shop" });
  expect(await authorize("not a key", "traces")).toEqual({ ok: false, reason: "invalid_key" });
  expect(await authorize(keyB, "traces")).toEqual({ ok: false, reason: "invalid_key" });
  // 6 per minute: a burst of one (ten seconds' worth), then refused; logs still have theirs.
  expect((await authorize(keyA, "traces")).ok).toBe(false);
  expect(await authorize(keyA, "traces")).toMatchObject({ ok: false, reason: "rate_limited" });
  expect((await authorize(keyA, "logs")).ok).toBe(true);
  row.publicKey = keyB;
  expect(await authorize(keyA, "logs")).toEqual({ ok: false, reason: "invalid_key" });
  expect((await authorize(keyB, "metrics")).ok).toBe(true);
});
