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

const dataDir = mkdtempSync(join(tmpdir(), "pier-serve-start-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function freePort(): number {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = server;
  server.stop(true);
  return port;
}

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

  const child = Bun.spawn(
    [
      process.execPath,
      join(import.meta.dir, "main.ts"),
      "serve",
      "--data-dir",
      dataDir,
      "--host",
      "127.0.0.1",
      "--console-port",
      String(freePort()),
      "--http-port",
      String(freePort()),
      "--https-port",
      String(freePort()),
      "--proxy-workers",
      "1",
      "--log-level",
      "error",
    ],
    { stdout: "ignore", stderr: "pipe", env: { ...process.env, PIER_ADMIN_TOKEN: "" } },
  );
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  const exitCode = await child.exited;
  clearTimeout(timer);
  expect(child.signalCode).toBeNull();
  expect(exitCode).toBe(1);
  expect(await new Response(child.stderr).text()).toContain("pier serve:");
}, 60_000);
