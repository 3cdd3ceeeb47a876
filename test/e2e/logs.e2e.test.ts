/**
 * App logs kept by pier: a deployed app's stdout and stderr are stored with their release,
 * replica, stream and level, stay searchable after redeploys, rollbacks and the containers'
 * removal, and a restart of pier resumes without repeating or losing lines.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createDockerClient, listPierContainers, removeAppContainersAndImages } from "@pier/deploy";
import { type PierProcess, runCli, startPier } from "../support/pier-process.ts";
import {
  api,
  baseDomain,
  deployEnv,
  gitRemote,
  requireDocker,
  ScratchRepo,
  viaProxy,
  waitFor,
} from "./deploy-fixtures.ts";

const ready = await requireDocker();
const token = `pier_logs${crypto.randomUUID().replaceAll("-", "")}`;
const appName = `logs${Date.now().toString(36)}`;
const host = `${appName}.${baseDomain}`;
const docker = createDockerClient();
let pier: PierProcess;
let dataDir: string;
let call: ReturnType<typeof api>;
let repo: ScratchRepo;

interface Line {
  id: number;
  ts: string;
  env: string;
  release: string;
  replica: string;
  stream: string;
  level: string | null;
  line: string;
}

/** A Bun app that says which version it is in several log styles and logs every request. */
function appFiles(version: string) {
  return {
    "package.json": JSON.stringify({ name: "logs-app", scripts: { start: "bun server.ts" } }),
    "bunfig.toml": "",
    "pier.toml": `[health]\npath = "/health"\ninterval = "200ms"\n[deploy]\ntimeout = "20s"\ndrain_timeout = "1s"\nstop_timeout = "2s"\n`,
    "server.ts": `
const version = ${JSON.stringify(version)};
console.log("listening", version);
console.error("ERROR: boom in " + version);
console.log(JSON.stringify({ level: "warn", msg: "json warning " + version }));
Bun.serve({
  port: Number(process.env.PORT),
  hostname: process.env.HOST,
  fetch(req) {
    const url = new URL(req.url);
    if (url.pathname !== "/health") console.log("hit " + url.searchParams.get("n") + " " + version);
    return new Response(version);
  },
});
`,
  };
}

const search = async (query: Record<string, string>) => {
  const res = await call<{ lines: Line[] }>("GET", `/api/v1/logs/${appName}?${new URLSearchParams(query)}`);
  expect(res.status).toBe(200);
  return res.body.lines;
};
const deployments = async () =>
  (
    await call<{ deployments: { id: string; status: string; source: string }[] }>(
      "GET",
      `/api/v1/apps/${appName}/deployments`,
    )
  ).body.deployments;
const containerIds = async () =>
  (await listPierContainers(docker, { app: appName })).map((c) => c.containerId);
const pierCli = (...args: string[]) => runCli([...args, "--url", pier.url, "--token", token]);

beforeAll(async () => {
  if (!ready) return;
  pier = await startPier({
    env: { PIER_ADMIN_TOKEN: token, ...deployEnv() },
    args: ["--proxy-workers", "1", "--base-domain", baseDomain],
  });
  dataDir = pier.dataDir;
  call = api(pier.url, token);
  expect((await call("POST", "/api/v1/apps", { name: appName })).status).toBe(201);
  repo = new ScratchRepo(gitRemote(pier, token, appName));
}, 60_000);

afterAll(async () => {
  if (!ready) return;
  await pier?.stop();
  await removeAppContainersAndImages(docker, appName);
});

describe.skipIf(!ready)("app logs kept by pier", () => {
  let v1: string;
  let v1Containers: string[];

  test("a release's stdout and stderr are stored with release, replica, stream and level", async () => {
    await repo.commit(appFiles("v1"), "v1");
    expect((await repo.push("main")).output).toContain("Live at");
    v1 = (await deployments())[0]!.id;
    v1Containers = await containerIds();
    const [replica] = await listPierContainers(docker, { app: appName });
    const lines = await waitFor("v1's start-up lines stored", async () => {
      const found = await search({ release: v1 });
      return found.some((l) => l.line.includes("json warning v1")) ? found : undefined;
    });
    expect(lines.find((l) => l.line === "listening v1")).toMatchObject({
      env: "production",
      release: v1,
      replica: `production/${replica!.replica}`,
      stream: "stdout",
      level: null,
    });
    expect(lines.find((l) => l.line === "ERROR: boom in v1")).toMatchObject({
      stream: "stderr",
      level: "error",
    });
    expect(lines.find((l) => l.line.includes("json warning v1"))).toMatchObject({ level: "warn" });
  }, 120_000);

  test("after a redeploy and a rollback, the removed containers' lines are still searchable", async () => {
    await repo.commit(appFiles("v2"), "v2");
    expect((await repo.push("main")).output).toContain("Live at");
    const v2 = (await deployments())[0]!.id;
    await waitFor("v1's containers removed", async () => {
      const now = await containerIds();
      return v1Containers.every((id) => !now.includes(id));
    });
    const rollback = await pierCli("rollback", "--app", appName);
    expect(rollback.code).toBe(0);
    await waitFor("v2's containers removed", async () => (await containerIds()).length === 1);
    expect((await viaProxy(pier.httpPort, host)).status).toBe(200);

    const boom = await search({ grep: "BOOM IN", level: "error" });
    expect(boom.map((l) => l.line).sort()).toContain("ERROR: boom in v1");
    expect(boom.map((l) => l.line)).toContain("ERROR: boom in v2");
    expect(await search({ grep: "listening", release: v2 })).toMatchObject([{ line: "listening v2" }]);
    // Warn and above: the warning and the error (and bun's own "error: script … terminated" at the stop).
    const severe = await search({ level: "warn", release: v2 });
    expect(severe.map((l) => l.line)).toEqual(
      expect.arrayContaining(['{"level":"warn","msg":"json warning v2"}', "ERROR: boom in v2"]),
    );
    expect(severe.every((l) => l.level === "warn" || l.level === "error")).toBe(true);
    expect(severe.map((l) => l.line)).not.toContain("listening v2");
  }, 180_000);

  test("pier logs filters by text, level, release and time", async () => {
    const out = await pierCli(
      "logs",
      "--app",
      appName,
      "--since",
      "1h",
      "--grep",
      "boom",
      "--level",
      "error",
    );
    expect(out.code).toBe(0);
    expect(out.stderr).toContain("ERROR: boom in v1");
    expect(out.stderr).toContain("ERROR: boom in v2");
    expect(out.stdout).not.toContain("listening");
    const byRelease = await pierCli("logs", "--app", appName, "--release", v1, "--grep", "listening");
    expect(byRelease.stdout.trim().split("\n")).toHaveLength(1);
    expect(byRelease.stdout).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z \[production\/\d+\] listening v1\n$/);
    const none = await pierCli("logs", "--app", appName, "--since", "2020-01-01", "--until", "2020-01-02");
    expect(none.stdout).toBe("");
    const bad = await pierCli("logs", "--app", appName, "--since", "yesterday");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("since");
    const refused = await call<{ error: { code: string; message: string } }>(
      "GET",
      `/api/v1/logs/${appName}?since=yesterday&level=loud`,
    );
    expect(refused.status).toBe(400);
    expect((await call("GET", "/api/v1/logs/no-such-app")).status).toBe(404);
    // The containers' own output as before, straight from Docker.
    const live = await pierCli("logs", "--app", appName, "--containers", "--tail", "50");
    expect(live.stdout).toContain("listening v1");
  }, 60_000);

  test("pier logs -f prints lines as they are stored", async () => {
    const proc = Bun.spawn(
      [
        process.env.PIER_BINARY ?? `${import.meta.dir}/../../dist/pier`,
        "logs",
        "--app",
        appName,
        "-f",
        "--tail",
        "0",
        "--grep",
        "hit",
        "--url",
        pier.url,
        "--token",
        token,
      ],
      { stdout: "pipe", stderr: "pipe" },
    );
    let seen = "";
    const reader = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of proc.stdout) {
        seen += decoder.decode(chunk);
        if (seen.includes("hit follow-2")) break;
      }
    })();
    await Bun.sleep(500);
    await viaProxy(pier.httpPort, host, "/?n=follow-1");
    await viaProxy(pier.httpPort, host, "/?n=follow-2");
    await Promise.race([reader, Bun.sleep(15_000)]);
    proc.kill();
    expect(seen).toContain("hit follow-1");
    expect(seen).toContain("hit follow-2");
  }, 30_000);

  test("a restart of pier resumes each container where it stopped: no line twice, none lost", async () => {
    await viaProxy(pier.httpPort, host, "/?n=before-restart");
    await waitFor(
      "the line before the restart stored",
      async () => (await search({ grep: "hit before-restart" })).length === 1,
    );
    await pier.stop();
    // Written while pier is down: read from the container's log when pier is back.
    const [live] = (await listPierContainers(docker, { app: appName })).filter((c) => c.state === "running");
    const exec = await docker.getContainer(live!.containerId).exec({
      Cmd: ["sh", "-c", "echo 'hit while-down' > /proc/1/fd/1"],
      AttachStdout: true,
    });
    await new Promise((resolve) =>
      exec.start({}, (_e: unknown, stream: NodeJS.ReadableStream | undefined) =>
        stream ? stream.on("end", resolve).resume() : resolve(undefined),
      ),
    );
    pier = await startPier({
      dataDir,
      env: { PIER_ADMIN_TOKEN: token, ...deployEnv() },
      args: ["--proxy-workers", "1", "--base-domain", baseDomain],
    });
    call = api(pier.url, token);
    await viaProxy(pier.httpPort, host, "/?n=after-restart");
    await waitFor(
      "the line after the restart stored",
      async () => (await search({ grep: "hit after-restart" })).length === 1,
    );
    expect(await search({ grep: "hit while-down" })).toHaveLength(1);
    expect(await search({ grep: "hit before-restart" })).toHaveLength(1);
    expect(await search({ grep: "listening v1" })).toHaveLength(2);
  }, 120_000);
});
