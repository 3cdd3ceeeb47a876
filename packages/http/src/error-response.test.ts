import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { ConflictError } from "@pier/core";
import { drizzle } from "drizzle-orm/bun-sqlite";
import { Hono } from "hono";
import { z } from "zod";
import { describeZodError, errorResponse } from "./error-response.ts";

/** A console whose one route throws `fail()`, mapped as the real one maps errors. */
function consoleThrowing(fail: () => unknown, dataDir?: string) {
  const logged: unknown[] = [];
  const app = new Hono();
  app.onError((error, c) => errorResponse(c, error, (e) => logged.push(e), { dataDir }));
  app.post("/api/v1/apps", () => {
    throw fail();
  });
  return { app, logged, post: () => app.request("/api/v1/apps", { method: "POST" }) };
}

/** What drizzle throws when SQLite cannot grow the database file: a DrizzleError around SQLITE_FULL. */
function fullDiskWrite(): unknown {
  const client = new Database(":memory:");
  client.run("CREATE TABLE apps (name TEXT)");
  client.run("PRAGMA max_page_count = 3");
  try {
    drizzle({ client }).run(`INSERT INTO apps VALUES ('${"x".repeat(100_000)}')` as never);
  } catch (error) {
    return error;
  }
  throw new Error("SQLite took the row");
}

test("a write that finds the disk full answers 507 naming the data dir, and is logged", async () => {
  const { post, logged } = consoleThrowing(fullDiskWrite, "/srv/pier-data");
  const res = await post();
  expect(res.status).toBe(507);
  expect(await res.json()).toEqual({
    error: {
      code: "storage_full",
      message:
        "pier could not write because the disk holding its data dir (/srv/pier-data) is full. " +
        "Free space on that disk; pier recovers without a restart.",
    },
  });
  expect(logged).toHaveLength(1);
});

test("without a data dir the 507 names the flag; ENOSPC and PostgreSQL's disk_full are 507 too", async () => {
  const enospc = () => Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
  const local = await (await consoleThrowing(enospc).post()).json();
  expect(local.error.message).toContain("its data dir (--data-dir) is full");
  const pg = () => Object.assign(new Error("could not extend file"), { errno: "53100" });
  const res = await consoleThrowing(pg, "/srv/pier-data").post();
  expect(res.status).toBe(507);
  expect((await res.json()).error.message).toContain("PostgreSQL server is full");
});

test("other errors keep their answers: PierErrors as they are, anything else a 500", async () => {
  const conflict = await consoleThrowing(() => new ConflictError("taken")).post();
  expect([conflict.status, (await conflict.json()).error.code]).toEqual([409, "conflict"]);
  const { post, logged } = consoleThrowing(() => new Error("boom"));
  const res = await post();
  expect([res.status, (await res.json()).error.code]).toEqual([500, "internal_error"]);
  expect(logged).toHaveLength(1);
});

test("zod's type errors say what to send; a schema's own message is kept", () => {
  const schema = z.object({
    project: z.coerce.number(),
    tail: z.coerce.number().int(),
    name: z.string(),
    tags: z.array(z.string()),
    port: z.coerce.number({ error: "a port number" }),
  });
  const parsed = schema.safeParse({ project: "nope", tail: "x", name: 5, tags: "a", port: "p" });
  expect(parsed.success).toBe(false);
  expect(describeZodError(parsed.error!)).toBe(
    "project: must be a number; tail: must be a number; name: must be text; tags: must be a list; port: a port number",
  );
});
