/**
 * `pier serve` whose start fails once its proxy workers run must exit non-zero: worker threads
 * left running kept the process alive, serving no route, and systemd's Restart=on-failure never
 * fired. Runs the real CLI from source.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createStores, openDatabase } from "@pier/db";
import { startPier } from "../../../test/support/pier-process.ts";

const dataDir = mkdtempSync(join(tmpdir(), "pier-serve-start-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

test("a start that fails after the proxy workers started exits non-zero with the reason", async () => {
  const database = await openDatabase({ dataDir });
  // A stored route no route spec accepts: the first publish, after the workers started, throws.
  await createStores(database).routes.create({
    id: "rt_broken",
    host: "broken.example.com",
    pathPrefix: "/",
    upstreams: ["not a url"],
    options: {},
  });
  await database.close();

  // From source. startPier reports a process that ends before it is ready, with its exit code.
  const start = startPier({
    runner: [process.execPath],
    binary: join(import.meta.dir, "main.ts"),
    dataDir,
    args: ["--proxy-workers", "1", "--log-level", "error"],
    env: { PIER_ADMIN_TOKEN: "" },
    readyTimeoutMs: 30_000,
  });
  // Exited by itself with 1 (not killed at the deadline), saying why.
  await expect(start).rejects.toThrow(/pier exited with 1 before it was ready:[\s\S]*pier serve:/);
}, 60_000);
