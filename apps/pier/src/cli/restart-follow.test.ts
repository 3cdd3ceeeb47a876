import { afterAll, afterEach, expect, test } from "bun:test";
import { sseResponse } from "@pier/http";
import { parseCommandArgs } from "./command.ts";
import { envSetCommand } from "./env.ts";
import { restartOutcome } from "./restart-follow.ts";

const change = {
  app: "shop",
  stored: "CRASH and FOO are stored on shop",
  undo: "`pier env unset CRASH --app shop`",
};

test("a restart that went live exits 0; one that failed exits 1 and says the change is stored, not running", () => {
  expect(restartOutcome([{ id: "dep_1", status: "live", error: null }], change)).toEqual({
    code: 0,
    message: "Restarted shop (dep_1): it runs with the change.",
  });
  const failed = restartOutcome(
    [
      { id: "dep_1", status: "live", error: null },
      { id: "dep_2", status: "failed", error: "replica 1 failed its health check" },
    ],
    change,
  );
  expect(failed.code).toBe(1);
  expect(failed.message.split("\n")).toEqual([
    "Restart dep_2 failed: replica 1 failed its health check",
    "CRASH and FOO are stored on shop, but shop still runs its previous release without the change; the next deploy, restart or restore applies it.",
    "Take it back with `pier env unset CRASH --app shop`, or fix the app and deploy again (pier deploy, or git push).",
  ]);
  // A stream cut before its status event is no success either.
  expect(restartOutcome([{ id: "dep_3" }], change).code).toBe(1);
});

// pier's side of `env set`: the env route answers with the restart it queued, whose log then ends
// the way a failed restart's does (the same event stream as the deploy API's).
const requests: string[] = [];
// What a linked service injects into shop (GET /api/v1/services, asked for before a set).
let linkedVar = "DATABASE_URL";
const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch(request) {
    const { pathname } = new URL(request.url);
    requests.push(`${request.method} ${pathname}`);
    if (pathname === "/api/v1/services")
      return Response.json({ services: [{ name: "shopdb", links: [{ app: "shop", envVar: linkedVar }] }] });
    if (pathname === "/api/v1/apps/shop/env")
      return Response.json({ ok: true, key: "CRASH", keys: ["CRASH", "FOO"], restarting: ["dep_r1"] });
    if (pathname === "/api/v1/deployments/dep_r1/log")
      return sseResponse(request.signal, async (send) => {
        send("line", "-----> Health check: GET / every 1s, up to 8s");
        send(
          "status",
          JSON.stringify({
            status: "failed",
            error: "replica 1 failed its health check on /: container exited with code 1",
          }),
        );
      });
    return new Response("not found", { status: 404 });
  },
});
afterAll(() => server.stop(true));

const printed: string[] = [];
const { log, error } = console;
afterEach(() => {
  console.log = log;
  console.error = error;
  printed.length = 0;
  requests.length = 0;
  linkedVar = "DATABASE_URL";
});

async function envSet(...extra: string[]): Promise<number> {
  console.log = (...parts: unknown[]) => printed.push(parts.join(" "));
  console.error = console.log;
  const args = parseCommandArgs(envSetCommand, [
    "CRASH=1",
    "FOO=bar",
    "--app",
    "shop",
    "--url",
    server.url.origin,
    "--token",
    "t",
    ...extra,
  ]);
  if (args === "help") throw new Error("help");
  return envSetCommand.run(args);
}

test("env set follows the restart and exits 1 when it fails, saying how to undo", async () => {
  expect(await envSet()).toBe(1);
  expect(requests).toEqual([
    "GET /api/v1/services",
    "PUT /api/v1/apps/shop/env",
    "GET /api/v1/deployments/dep_r1/log",
  ]);
  const output = printed.join("\n");
  expect(output).toContain("-----> Health check: GET / every 1s, up to 8s");
  expect(output).toContain(
    "Restart dep_r1 failed: replica 1 failed its health check on /: container exited with code 1",
  );
  expect(output).toContain(
    "CRASH and FOO are stored on shop, but shop still runs its previous release without the change",
  );
  expect(output).toContain("`pier env unset CRASH --app shop` and `pier env unset FOO --app shop`");
});

test("env set --detach returns once the restart is queued", async () => {
  expect(await envSet("--detach")).toBe(0);
  expect(requests).toEqual(["GET /api/v1/services", "PUT /api/v1/apps/shop/env"]);
  expect(printed).toEqual(["Set CRASH, FOO on shop; restarting (dep_r1)"]);
});

test("env set of a variable a linked service injects warns that it overrides the linked value", async () => {
  linkedVar = "FOO";
  expect(await envSet("--detach")).toBe(0);
  expect(printed).toEqual([
    "Note: FOO comes from the linked service shopdb; the value set here overrides it (`pier env unset FOO --app shop` gives it back).",
    "Set CRASH, FOO on shop; restarting (dep_r1)",
  ]);
});
