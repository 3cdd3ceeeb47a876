/**
 * WebSockets on redeploy (review finding 18): a socket open to the old release is ended by the
 * proxy at the end of the drain with a close frame, 1001 Going Away, instead of being cut (1006)
 * when the old replica stops. The client can then reconnect, to the new release.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { createDockerClient, removeAppContainersAndImages } from "@pier/deploy";
import type { PierProcess } from "../support/pier-process.ts";
import {
  api,
  baseDomain,
  gitRemote,
  requireDocker,
  ScratchRepo,
  startDeployPier,
} from "./deploy-fixtures.ts";

const ready = await requireDocker();
const token = `pier_wsdeploy${crypto.randomUUID().replaceAll("-", "")}`;
const appName = `wsd${Date.now().toString(36)}`;
const host = `${appName}.${baseDomain}`;
const docker = createDockerClient();
let pier: PierProcess | undefined;

afterAll(async () => {
  if (!ready) return;
  await pier?.stop();
  await removeAppContainersAndImages(docker, appName);
});

/** A Bun app whose WebSocket answers every message with its release name. */
function wsApp(release: string) {
  return {
    "package.json": JSON.stringify({ name: "ws-app", scripts: { start: "bun server.ts" } }),
    "bunfig.toml": "",
    "pier.toml": `[health]\npath = "/health"\ninterval = "200ms"\n[deploy]\ntimeout = "20s"\ndrain_timeout = "2s"\nstop_timeout = "2s"\n`,
    "server.ts": `Bun.serve({
  port: Number(process.env.PORT),
  hostname: process.env.HOST,
  fetch(req, server) {
    if (new URL(req.url).pathname === "/ws" && server.upgrade(req)) return undefined;
    return new Response(${JSON.stringify(release)});
  },
  websocket: { message(ws, message) { ws.send(${JSON.stringify(release)} + ":" + message); } },
});`,
  };
}

function connect(): Promise<{
  ws: WebSocket;
  closed: Promise<CloseEvent>;
  ask(text: string): Promise<string>;
}> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${pier!.httpPort}/ws`, {
      headers: { host },
    } as unknown as string[]);
    const closed = new Promise<CloseEvent>((done) => ws.addEventListener("close", done));
    const ask = (text: string) =>
      new Promise<string>((done) => {
        ws.addEventListener("message", (e) => done(String(e.data)), { once: true });
        ws.send(text);
      });
    ws.addEventListener("open", () => resolve({ ws, closed, ask }));
    ws.addEventListener("error", () => reject(new Error("the WebSocket did not open")));
  });
}

describe.skipIf(!ready)("WebSockets on redeploy", () => {
  test("a socket open to release A gets a 1001 close frame when B goes live and A drains", async () => {
    pier = await startDeployPier(token, { proxyWorkers: 2 });
    await api(pier.url, token)("POST", "/api/v1/apps", { name: appName });
    const repo = new ScratchRepo(gitRemote(pier, token, appName));
    await repo.commit(wsApp("A"));
    expect((await repo.push("main")).output).toContain("Live at");
    const first = await connect();
    expect(await first.ask("hi")).toBe("A:hi");

    await repo.commit(wsApp("B"));
    const pushed = repo.push("main");
    const closed = await first.closed;
    expect((await pushed).output).toContain("Live at");
    expect(closed.code).toBe(1001);
    expect(closed.reason).toBe("going away");

    const second = await connect();
    expect(await second.ask("again")).toBe("B:again");
    second.ws.close();
  }, 120_000);
});
