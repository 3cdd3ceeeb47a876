/**
 * The whole chain the control plane wires: git push -> pre-receive hook -> extractCommit ->
 * buildRelease -> runRollout on a real Docker Engine, with the log in the push output.
 * Needs dockerd and pier-base/bun:1: skipped outside CI when missing, failing in CI.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createGitHttpHandler } from "@pier/git";
import { dockerWithImage } from "../testing/docker-with-image.ts";
import { buildRelease } from "./build-release.ts";
import { DeployQueue } from "./deploy-queue.ts";
import { removeAppContainersAndImages } from "./docker/remove-app.ts";
import { createDockerReplicaRuntime } from "./docker/replicas.ts";
import { DeployFailedError } from "./errors.ts";
import { extractCommit } from "./git-archive.ts";
import type { StartedReplica } from "./ports.ts";
import { runRollout } from "./rollout.ts";

const { docker, ready } = await dockerWithImage("pier-base/bun:1");

const app = `p${Date.now().toString(36)}`;
const scratch = await mkdtemp(join(tmpdir(), "pier-push-deploy-"));
const serving = new Map<string, StartedReplica[]>();
const runtime = createDockerReplicaRuntime(docker);
const queue = new DeployQueue();

const handler = createGitHttpHandler({
  dataDir: join(scratch, "data"),
  authorize: (_app, token) => token === "t0ken",
  async onPush(push, output) {
    let accepted = true;
    for (const update of push.updates) {
      if (update.kind === "delete" || update.branch !== "main") continue;
      const deploymentId = update.newSha.slice(0, 12);
      const sourceDir = join(scratch, "src", deploymentId);
      try {
        // pre-receive: the pushed objects are still in git's quarantine.
        await extractCommit(push.gitDir, update.newSha, sourceDir, undefined, push.objectEnv);
        const release = await buildRelease(docker, {
          app: push.app,
          deploymentId,
          sourceDir,
          baseImages: { bun: "pier-base/bun:1", node: "node:22-slim" },
          workDir: join(scratch, "work"),
          staticDir: join(scratch, "static", deploymentId),
          onLog: (line) => output.line(`       ${line}`),
        });
        if (release.kind !== "image") throw new Error("expected an image");
        const previous = serving.get(push.app) ?? [];
        const result = await runRollout(
          { runtime, queue, routes: { setAppUpstreams: async () => {} } },
          {
            appId: push.app,
            env: "production",
            deploymentId,
            image: release.image,
            config: release.config,
            previous,
            onProgress: (line) => output.line(`-----> ${line}`),
          },
        );
        output.line(`-----> Live at http://${push.app}.localhost`);
        serving.set(push.app, result.replicas);
      } catch (error) {
        accepted = false;
        output.line(
          `-----> ${error instanceof DeployFailedError ? error.message : `Build failed: ${(error as Error).message}`}`,
        );
      }
    }
    return accepted;
  },
});
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch: async (request, srv) => (await handler.fetch(request, srv)) ?? new Response("", { status: 404 }),
});

afterAll(async () => {
  server.stop(true);
  await handler.close();
  if (ready) {
    await removeAppContainersAndImages(docker, app);
  }
  await rm(scratch, { recursive: true, force: true });
});

describe.skipIf(!ready)("git push to a running container", () => {
  test("push output streams the build and rollout and ends with the live URL", async () => {
    const dir = join(scratch, "repo");
    await Bun.write(join(dir, "package.json"), JSON.stringify({ scripts: { start: "bun server.ts" } }));
    await Bun.write(join(dir, "bunfig.toml"), "");
    await Bun.write(join(dir, "pier.toml"), `[health]\ninterval = "100ms"\n`);
    await Bun.write(
      join(dir, "server.ts"),
      `Bun.serve({ port: Number(process.env.PORT), hostname: process.env.HOST, fetch: () => new Response("pushed!") });`,
    );
    const env = { ...process.env, HOME: scratch, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0" };
    const run = (...args: string[]) =>
      Bun.spawnSync(["git", "-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd: dir, env });
    run("init", "-q", "-b", "main");
    run("add", ".");
    run("commit", "-q", "-m", "app");
    const started = performance.now();
    // Async: the server answering this push lives in this very process.
    const push = Bun.spawn(
      ["git", "push", `http://x:t0ken@127.0.0.1:${server.port}/git/${app}.git`, "main"],
      {
        cwd: dir,
        env,
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    const [stdout, stderr, code] = await Promise.all([
      new Response(push.stdout).text(),
      new Response(push.stderr).text(),
      push.exited,
    ]);
    const pushMs = Math.round(performance.now() - started);
    const out = stdout + stderr;
    expect(code).toBe(0);
    expect(out).toContain("remote: -----> Starting 1 replica");
    expect(out).toContain("FROM pier-base/bun:1");
    expect(out).toContain(`remote: -----> Live at http://${app}.localhost`);
    const upstream = serving.get(app)![0]!.upstream;
    expect(await (await fetch(`http://${upstream}/`)).text()).toBe("pushed!");
    if (process.env.PIER_SHOW_PUSH) console.log(out);
    console.log(`git push -> live (tiny Bun app, warm base image): ${pushMs} ms`);
  }, 120_000);
});
