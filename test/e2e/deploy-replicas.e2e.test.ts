/**
 * Replicas changed behind pier's back (review finding 11): a container the restart policy revives
 * gets a new host port and must be routed again; one that stays down must be reported.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDockerClient, listPierContainers, removeAppContainersAndImages } from "@pier/deploy";
import { type PierProcess, runCli, startPier } from "../support/pier-process.ts";
import {
  api,
  baseDomain,
  gitRemote,
  requireDocker,
  ScratchRepo,
  viaProxy,
  waitFor,
} from "./deploy-fixtures.ts";

const ready = await requireDocker();
const token = `pier_replicas${crypto.randomUUID().replaceAll("-", "")}`;
const appName = `crash${Date.now().toString(36)}`;
const docker = createDockerClient();
let pier: PierProcess;
let call: ReturnType<typeof api>;
const notifications: { kind: string; [key: string]: unknown }[] = [];
const receiver = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(request) {
    // The webhook body: {id, type, title, text, severity, data: the event}.
    const body = (await request.json()) as { data?: { kind: string } };
    if (body.data) notifications.push(body.data);
    return new Response("ok");
  },
});

/** A Bun app that exits with code 3 on /crash, as a crashing process would. */
const crashingApp = {
  "package.json": JSON.stringify({ name: "crash-app", scripts: { start: "bun server.ts" } }),
  // A bunfig.toml makes it a Bun app (no registry here for a Node base image).
  "bunfig.toml": "",
  "pier.toml": `[health]\npath = "/"\ninterval = "200ms"\n[deploy]\ntimeout = "20s"\nstop_timeout = "1s"\n`,
  "server.ts": `
Bun.serve({
  port: Number(process.env.PORT),
  hostname: process.env.HOST,
  fetch(req) {
    if (new URL(req.url).pathname === "/crash") setTimeout(() => process.exit(3), 50);
    return new Response("alive");
  },
});
`,
};

const replicaContainer = async () => {
  const [container] = (await listPierContainers(docker, { app: appName })).filter(
    (c) => c.state === "running",
  );
  return container;
};
const hostPortOf = async (id: string) =>
  Object.values((await docker.getContainer(id).inspect()).NetworkSettings.Ports ?? {})[0]?.[0]?.HostPort;

beforeAll(async () => {
  if (!ready) return;
  pier = await startPier({
    env: {
      PIER_ADMIN_TOKEN: token,
      PIER_BASE_IMAGE_BUN: process.env.PIER_BASE_IMAGE_BUN || "pier-base/bun:1",
      PIER_REPLICA_DOWN_AFTER_MS: "2000",
    },
    args: ["--proxy-workers", "1", "--base-domain", baseDomain],
  });
  call = api(pier.url, token);
  expect((await call("POST", "/api/v1/apps", { name: appName })).status).toBe(201);
  expect(
    (
      await call("POST", "/api/v1/notification-channels", {
        name: "ops",
        events: ["replica.down"],
        config: { kind: "webhook", url: `http://127.0.0.1:${receiver.port}/hook` },
      })
    ).status,
  ).toBe(201);
  const repo = new ScratchRepo(gitRemote(pier, token, appName));
  await repo.commit(crashingApp);
  const push = await repo.push("main");
  expect(push.output).toContain("Live at");
}, 120_000);

afterAll(async () => {
  receiver.stop(true);
  if (!ready) return;
  await pier?.stop();
  await removeAppContainersAndImages(docker, appName);
});

describe.skipIf(!ready)("replicas changed outside pier", () => {
  const host = `${appName}.${baseDomain}`;
  const answer = async () => {
    const res = await viaProxy(pier.httpPort, host);
    return res.status === 200 ? res.text() : `HTTP ${res.status}`;
  };

  test("a crashed process revived by the restart policy is routed on its new port", async () => {
    expect(await answer()).toBe("alive");
    const before = await replicaContainer();
    const port = await hostPortOf(before!.containerId);
    await viaProxy(pier.httpPort, host, "/crash");
    // Docker revives it on another ephemeral port; the proxy follows within a moment.
    await waitFor("the revived replica answers through the proxy", async () => {
      const now = await replicaContainer();
      return now && (await hostPortOf(now.containerId)) !== port && (await answer()) === "alive";
    });
    expect(pier.logs()).toContain("a replica was restarted outside pier");
  }, 60_000);

  test("docker start after docker stop: routed again", async () => {
    const { containerId } = (await replicaContainer())!;
    await docker.getContainer(containerId).stop({ t: 1 });
    await waitFor("the stopped replica leaves the route", async () => (await answer()) !== "alive");
    await docker.getContainer(containerId).start();
    await waitFor("the started replica is routed", async () => (await answer()) === "alive");
  }, 60_000);

  test("a replica that stays down is reported through the notification channels", async () => {
    const { containerId } = (await replicaContainer())!;
    await docker.getContainer(containerId).stop({ t: 1 });
    const event = await waitFor("a replica.down notification", async () =>
      notifications.find((n) => n.kind === "replica.down"),
    );
    expect(event).toMatchObject({
      kind: "replica.down",
      app: appName,
      environment: "production",
      serving: 0,
    });
    expect(pier.logs()).toContain("a replica stayed down after exiting outside pier");
  }, 60_000);
});

describe.skipIf(!ready)("a quiet build (review finding 15)", () => {
  test("pier deploy follows a build that prints nothing for 12 s to the end", async () => {
    const name = `quiet${Date.now().toString(36)}`;
    expect((await call("POST", "/api/v1/apps", { name })).status).toBe(201);
    const dir = mkdtempSync(join(tmpdir(), "pier-quiet-"));
    writeFileSync(
      join(dir, "Dockerfile"),
      `FROM ${process.env.PIER_BASE_IMAGE_BUN || "pier-base/bun:1"}\nRUN sleep 12\nCOPY server.ts /app/server.ts\nCMD ["bun", "/app/server.ts"]\n`,
    );
    writeFileSync(join(dir, "server.ts"), crashingApp["server.ts"]);
    writeFileSync(join(dir, "pier.toml"), crashingApp["pier.toml"]);
    const cli = await runCli(["deploy", dir, "--app", name, "--url", pier.url, "--token", token]);
    expect(cli.stdout + cli.stderr).toContain("Live at");
    expect(cli.code).toBe(0);
    await removeAppContainersAndImages(docker, name);
  }, 120_000);
});

describe.skipIf(!ready)("leftovers (review finding 17)", () => {
  test("a build killed mid-way leaves nothing once pier starts again", async () => {
    await pier.stop();
    const leftover = join(pier.dataDir, "builds", "dep_killedmidway", "src");
    mkdirSync(leftover, { recursive: true });
    writeFileSync(join(leftover, "big.bin"), "x".repeat(1024));
    pier = await startPier({
      dataDir: pier.dataDir,
      env: { PIER_BASE_IMAGE_BUN: process.env.PIER_BASE_IMAGE_BUN || "pier-base/bun:1" },
      args: ["--proxy-workers", "1", "--base-domain", baseDomain],
    });
    call = api(pier.url, token);
    await waitFor(
      "the deploy engine swept builds/",
      async () => !existsSync(join(pier.dataDir, "builds", "dep_killedmidway")),
    );
  }, 60_000);

  test("deleting an app removes its images too", async () => {
    const images = () => docker.listImages({ filters: { label: [`pier.app=${appName}`] } });
    expect((await images()).length).toBeGreaterThan(0);
    expect((await call("DELETE", `/api/v1/apps/${appName}`)).status).toBe(200);
    await waitFor("no image of the deleted app", async () => (await images()).length === 0);
  }, 60_000);
});
