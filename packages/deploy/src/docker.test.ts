/**
 * Against a real Docker Engine and the local base image pier-base/bun:1
 * (scripts/base-images/build.sh). Outside CI these tests skip when either is missing; in CI they fail.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dockerWithImage } from "../testing/docker-with-image.ts";
import { buildRelease } from "./build-release.ts";
import { DeployQueue } from "./deploy-queue.ts";
import { pruneAppImages, releaseImagesToKeep } from "./docker/images.ts";
import { removeAppContainersAndImages } from "./docker/remove-app.ts";
import { createDockerReplicaRuntime, listPierContainers, streamContainerLogs } from "./docker/replicas.ts";
import { DeployFailedError } from "./errors.ts";
import { type RolloutPorts, runRollout } from "./rollout.ts";

const baseImage = "pier-base/bun:1";
const { docker, ready } = await dockerWithImage(baseImage);

const app = `t${Date.now().toString(36)}`;
const scratch = await mkdtemp(join(tmpdir(), "pier-docker-"));
const baseImages = { bun: baseImage, node: "node:22-slim" };

afterAll(async () => {
  if (!ready) return;
  await removeAppContainersAndImages(docker, app);
  await rm(scratch, { recursive: true, force: true });
});

async function bunAppSource(name: string, version: string, opts: { crash?: boolean } = {}): Promise<string> {
  const dir = join(scratch, name);
  await Bun.write(
    join(dir, "package.json"),
    JSON.stringify({ name: "demo", scripts: { start: "bun server.ts" } }),
  );
  await Bun.write(
    join(dir, "bun.lock"),
    JSON.stringify({ lockfileVersion: 1, workspaces: { "": { name: "demo" } } }),
  );
  await Bun.write(
    join(dir, "pier.toml"),
    `[health]\npath = "/health"\ninterval = "100ms"\n[deploy]\ntimeout = "20s"\ndrain_timeout = "100ms"\nstop_timeout = "2s"\n[resources]\nmemory = "256m"\ncpus = 0.5\n[env]\nGREETING = "hello"\n`,
  );
  const crash = opts.crash ? `console.error("fatal: missing DATABASE_URL"); process.exit(3);` : "";
  await Bun.write(
    join(dir, "server.ts"),
    `${crash}
const server = Bun.serve({
  port: Number(process.env.PORT),
  hostname: process.env.HOST,
  fetch(req) {
    const url = new URL(req.url);
    if (url.pathname === "/health") return new Response("ok");
    return new Response(process.env.GREETING + " from ${version}");
  },
});
console.log("listening on " + server.port);
process.on("SIGTERM", () => { console.log("SIGTERM, bye"); server.stop(); process.exit(0); });
`,
  );
  return dir;
}

function portsFor(routes: string[][]): RolloutPorts {
  return {
    runtime: createDockerReplicaRuntime(docker),
    queue: new DeployQueue(),
    routes: {
      async setAppUpstreams(_app, _env, upstreams) {
        routes.push(upstreams);
      },
    },
  };
}

describe.skipIf(!ready)("deploy engine on Docker", () => {
  const routes: string[][] = [];
  let firstUpstream = "";
  let firstContainer = "";

  test("builds a Bun app FROM pier-base/bun:1 and rolls out one replica on 127.0.0.1", async () => {
    const logs: string[] = [];
    const release = await buildRelease(docker, {
      app,
      deploymentId: "d1",
      sourceDir: await bunAppSource("v1", "v1"),
      baseImages,
      workDir: join(scratch, "work"),
      staticDir: join(scratch, "static-unused"),
      onLog: (line) => logs.push(line),
    });
    expect(release.kind).toBe("image");
    if (release.kind !== "image") return;
    expect(release.image).toBe(`pier/${app}:d1`);
    expect(logs.some((l) => l.includes("FROM pier-base/bun:1"))).toBe(true);

    const progress: string[] = [];
    const result = await runRollout(portsFor(routes), {
      appId: app,
      env: "production",
      deploymentId: "d1",
      image: release.image,
      config: release.config,
      previous: [],
      onProgress: (line) => progress.push(line),
    });
    expect(routes).toEqual([result.upstreams]);
    firstUpstream = result.upstreams[0]!;
    firstContainer = result.replicas[0]!.containerId;
    expect(firstUpstream).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(await (await fetch(`http://${firstUpstream}/`)).text()).toBe("hello from v1");

    const info = await docker.getContainer(firstContainer).inspect();
    expect(info.Config.Labels).toMatchObject({
      "pier.app": app,
      "pier.deployment": "d1",
      "pier.replica": "1",
    });
    expect(info.HostConfig.Privileged).toBe(false);
    expect(info.HostConfig.RestartPolicy?.Name).toBe("unless-stopped");
    expect(info.HostConfig.Memory).toBe(256 * 1024 * 1024);
    expect(info.HostConfig.NanoCpus).toBe(5e8);
    // The default process limit, and swap counted against the memory cap.
    expect(info.HostConfig.PidsLimit).toBe(1024);
    expect(info.HostConfig.MemorySwap).toBe(256 * 1024 * 1024);
    expect(info.HostConfig.ReadonlyRootfs).toBe(false);
    expect(info.HostConfig.PortBindings?.["3000/tcp"]?.[0]?.HostIp).toBe("127.0.0.1");
    expect(info.Config.Env).toContain("PORT=3000");
    expect(progress.at(-1)).toBe("Switching traffic to the new release");
  }, 120_000);

  test("adoption: labelled containers are listed with their upstream; logs stream", async () => {
    const listed = await listPierContainers(docker, { app });
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      app,
      deploymentId: "d1",
      replica: 1,
      state: "running",
      upstream: firstUpstream,
    });
    const lines: string[] = [];
    await streamContainerLogs(docker, firstContainer, (line) => lines.push(line), { tail: 10 });
    expect(lines).toContain("listening on 3000");
  });

  test("a crashing release fails with its log lines while the old replica keeps serving", async () => {
    const release = await buildRelease(docker, {
      app,
      deploymentId: "d2",
      sourceDir: await bunAppSource("v2-crash", "v2", { crash: true }),
      baseImages,
      workDir: join(scratch, "work"),
      staticDir: join(scratch, "static-unused"),
    });
    if (release.kind !== "image") throw new Error("expected an image");
    const error = await runRollout(portsFor(routes), {
      appId: app,
      env: "production",
      deploymentId: "d2",
      image: release.image,
      config: release.config,
      previous: [{ containerId: firstContainer, upstream: firstUpstream }],
    }).catch((e) => e);
    expect(error).toBeInstanceOf(DeployFailedError);
    expect(error.reason).toBe("HEALTH_CHECK_FAILED");
    expect(error.logTail.join("\n")).toContain("fatal: missing DATABASE_URL");
    expect(routes).toHaveLength(1);
    expect((await listPierContainers(docker, { app })).map((c) => c.deploymentId)).toEqual(["d1"]);
    expect(await (await fetch(`http://${firstUpstream}/`)).text()).toBe("hello from v1");
  }, 120_000);

  test("a second release replaces the first: swap, drain, SIGTERM, remove; old images pruned", async () => {
    const release = await buildRelease(docker, {
      app,
      deploymentId: "d3",
      sourceDir: await bunAppSource("v3", "v3"),
      baseImages,
      workDir: join(scratch, "work"),
      staticDir: join(scratch, "static-unused"),
    });
    if (release.kind !== "image") throw new Error("expected an image");
    const result = await runRollout(portsFor(routes), {
      appId: app,
      env: "production",
      deploymentId: "d3",
      image: release.image,
      config: release.config,
      previous: [{ containerId: firstContainer, upstream: firstUpstream }],
    });
    expect(await (await fetch(`http://${result.upstreams[0]}/`)).text()).toBe("hello from v3");
    const oldLogs: string[] = [];
    const follow = streamContainerLogs(docker, firstContainer, (line) => oldLogs.push(line), {
      follow: true,
      tail: 0,
    });
    await result.retired;
    await follow.catch(() => {});
    expect(oldLogs).toContain("SIGTERM, bye");
    expect((await listPierContainers(docker, { app })).map((c) => c.deploymentId)).toEqual(["d3"]);

    const history = ["d3", "d2", "d1"].map((id, i) => ({
      id,
      status: i === 0 ? ("live" as const) : ("superseded" as const),
      image: `pier/${app}:${id}`,
    }));
    const removed = await pruneAppImages(docker, app, releaseImagesToKeep(history, ["d3"], 1));
    expect(removed.sort()).toEqual([`pier/${app}:d1`, `pier/${app}:d2`]);
  }, 120_000);

  test("a static site with a build script is built in a container and copied out", async () => {
    const dir = join(scratch, "site");
    await Bun.write(join(dir, "package.json"), JSON.stringify({ scripts: { build: "bun build.ts" } }));
    await Bun.write(join(dir, "bunfig.toml"), "");
    await Bun.write(join(dir, "build.ts"), `await Bun.write("dist/index.html", "<h1>built</h1>");`);
    const staticDir = join(scratch, "published");
    const release = await buildRelease(docker, {
      app,
      deploymentId: "s1",
      sourceDir: dir,
      baseImages,
      workDir: join(scratch, "work"),
      staticDir,
    });
    expect(release.kind).toBe("static");
    expect(await readdir(staticDir)).toEqual(["index.html"]);
    expect(await Bun.file(join(staticDir, "index.html")).text()).toBe("<h1>built</h1>");
  }, 120_000);
});
