import { afterAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gitClientEnv } from "../testing/git-client-env.ts";
import { createGitHttpHandler, type PushEvent } from "./git-http.ts";
import { zeroSha } from "./ref-updates.ts";

const scratch = await mkdtemp(join(tmpdir(), "pier-git-"));
const token = "secret-token";
const pushes: PushEvent[] = [];
let pauseMs = 0;
/** Pushes whose deploy "fails": the hook refuses them. */
let refuseNext = false;

const handler = createGitHttpHandler({
  dataDir: join(scratch, "data"),
  authorize: (app, given) => app !== "forbidden" && given === token,
  async onPush(push, output) {
    pushes.push(push);
    for (const update of push.updates) {
      if (update.kind === "delete") {
        output.line(`-----> Removing preview ${update.branch}--${push.app}`);
        continue;
      }
      output.line(`-----> Building ${push.app} ${update.newSha.slice(0, 7)} (${update.branch})`);
      if (pauseMs) await Bun.sleep(pauseMs);
      output.line("       step 1/2\n");
      // The pushed objects are readable through the quarantine environment while the push is pending.
      const show = Bun.spawnSync(["git", "--git-dir", push.gitDir, "cat-file", "-t", update.newSha], {
        env: { ...process.env, ...push.objectEnv },
      });
      output.line(`       object: ${show.stdout.toString().trim()}`);
      if (refuseNext) {
        refuseNext = false;
        output.line("-----> DEPLOY FAILED: health check");
        return false;
      }
      output.line(`-----> Live at https://${push.app}.example.test`);
    }
    return true;
  },
});

// A short idle timeout proves a slow deploy does not cut the push connection.
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  idleTimeout: 2,
  async fetch(request, srv) {
    return (await handler.fetch(request, srv)) ?? new Response("not found", { status: 404 });
  },
});
const base = `http://x:${token}@127.0.0.1:${server.port}/git`;

afterAll(async () => {
  server.stop(true);
  await handler.close();
  await rm(scratch, { recursive: true, force: true });
});

/** Runs the real git client with no credential helpers and no prompts. */
async function git(cwd: string, ...args: string[]): Promise<{ code: number; out: string }> {
  const proc = Bun.spawn(["git", ...args], {
    cwd,
    stdout: "pipe",
    stderr: "pipe",
    env: gitClientEnv(scratch),
  });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, out: out + err };
}

/** A git run that must succeed; on failure the assertion shows git's own output, not just the code. */
function expectSuccess(result: { code: number; out: string }): void {
  expect(result).toMatchObject({ code: 0 });
}

async function workRepo(name: string): Promise<string> {
  const dir = join(scratch, name);
  await Bun.write(join(dir, "index.ts"), "console.log(1)\n");
  await git(dir, "init", "-q", "-b", "main");
  await git(dir, "add", ".");
  await git(dir, "commit", "-q", "-m", "first");
  return dir;
}

describe("git smart HTTP", () => {
  test("a first push creates the repo and shows the deploy lines, ending with the live URL", async () => {
    const dir = await workRepo("demo");
    // Some bulk so the pack is streamed in several chunks.
    await Bun.write(join(dir, "blob.bin"), randomBytes(3 * 1024 * 1024));
    await git(dir, "add", ".");
    await git(dir, "commit", "-q", "-m", "bulk");
    const head = (await git(dir, "rev-parse", "HEAD")).out.trim();

    const push = await git(dir, "push", `${base}/demo.git`, "main");
    expectSuccess(push);
    expect(push.out).toContain(`remote: -----> Building demo ${head.slice(0, 7)} (main)`);
    expect(push.out).toContain("remote:        step 1/2");
    const lines = push.out.trimEnd().split("\n");
    expect(lines.findIndex((l) => l.includes("Live at https://demo.example.test"))).toBeGreaterThan(
      lines.findIndex((l) => l.includes("step 1/2")),
    );
    expect(push.out).toContain("* [new branch]      main -> main");
    expect(pushes.at(-1)).toMatchObject({
      app: "demo",
      updates: [{ ref: "refs/heads/main", oldSha: zeroSha, newSha: head, kind: "create", branch: "main" }],
    });
    expect(pushes.at(-1)!.gitDir).toBe(join(scratch, "data", "git", "demo.git"));
  }, 30_000);

  test("a deploy pausing longer than the server idle timeout still completes the push", async () => {
    const dir = join(scratch, "demo");
    await Bun.write(join(dir, "index.ts"), "console.log(2)\n");
    await git(dir, "commit", "-q", "-am", "second");
    const previous = pushes.at(-1)!.updates[0]!.newSha;
    pauseMs = 3000;
    const push = await git(dir, "push", `${base}/demo.git`, "main");
    pauseMs = 0;
    expectSuccess(push);
    expect(push.out).toContain("remote: -----> Live at https://demo.example.test");
    expect(pushes.at(-1)!.updates[0]).toMatchObject({ kind: "update", oldSha: previous });
  }, 30_000);

  test("a failed deploy refuses the push: git exits non-zero, the branch stays, the same commit deploys again", async () => {
    const dir = join(scratch, "demo");
    const before = (await git(dir, "rev-parse", "HEAD")).out.trim();
    await Bun.write(join(dir, "index.ts"), "console.log(3)\n");
    await git(dir, "commit", "-q", "-am", "third");
    const head = (await git(dir, "rev-parse", "HEAD")).out.trim();
    refuseNext = true;
    const refused = await git(dir, "push", `${base}/demo.git`, "main");
    expect(refused.code).not.toBe(0);
    expect(refused.out).toContain("remote:        object: commit");
    expect(refused.out).toContain("remote: -----> DEPLOY FAILED");
    expect(refused.out).toContain("pre-receive hook declined");
    const remoteHead = Bun.spawnSync([
      "git",
      "--git-dir",
      join(scratch, "data", "git", "demo.git"),
      "rev-parse",
      "main",
    ]);
    expect(remoteHead.stdout.toString().trim()).toBe(before);
    // Not "Everything up-to-date": the same commit is pushed, and deployed, again.
    const again = await git(dir, "push", `${base}/demo.git`, "main");
    expectSuccess(again);
    expect(again.out).toContain(`remote: -----> Building demo ${head.slice(0, 7)} (main)`);
    expect(again.out).toContain("remote: -----> Live at https://demo.example.test");
  }, 30_000);

  test("deleting a branch is reported with an all-zero new sha", async () => {
    const dir = join(scratch, "demo");
    await git(dir, "checkout", "-q", "-b", "feature/login");
    const created = await git(dir, "push", `${base}/demo.git`, "feature/login");
    expect(created.out).toContain("(feature/login)");
    const deleted = await git(dir, "push", `${base}/demo.git`, ":feature/login");
    expectSuccess(deleted);
    expect(deleted.out).toContain("remote: -----> Removing preview feature/login--demo");
    expect(pushes.at(-1)!.updates).toEqual([
      expect.objectContaining({ ref: "refs/heads/feature/login", newSha: zeroSha, kind: "delete" }),
    ]);
  }, 30_000);

  test("clone and fetch work with the token", async () => {
    const clone = await git(scratch, "clone", "-q", `${base}/demo.git`, join(scratch, "cloned"));
    expectSuccess(clone);
    expect(await Bun.file(join(scratch, "cloned", "index.ts")).text()).toBe("console.log(3)\n");
  }, 30_000);

  test("a wrong or missing token is refused with a Basic challenge before git runs", async () => {
    const dir = await workRepo("intruder");
    const before = pushes.length;
    const bad = await git(dir, "push", `http://x:wrong@127.0.0.1:${server.port}/git/demo.git`, "main");
    expect(bad.code).not.toBe(0);
    expect(bad.out).toContain("Authentication failed");
    const anonymous = await fetch(
      `http://127.0.0.1:${server.port}/git/demo.git/info/refs?service=git-receive-pack`,
    );
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toBe('Basic realm="pier"');
    const forbidden = await git(dir, "push", `${base}/forbidden.git`, "main");
    expect(forbidden.code).not.toBe(0);
    expect(await Bun.file(join(scratch, "data", "git", "forbidden.git", "HEAD")).exists()).toBe(false);
    expect(pushes.length).toBe(before);
  }, 30_000);

  test("only smart HTTP endpoints of valid app names are served", async () => {
    const auth = { authorization: `Basic ${btoa(`x:${token}`)}` };
    const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;
    expect((await fetch(url("/git/demo.git/HEAD"), { headers: auth })).status).toBe(404);
    expect(
      (await fetch(url("/git/../etc.git/info/refs?service=git-upload-pack"), { headers: auth })).status,
    ).toBe(404);
    expect(
      (await fetch(url("/git/Bad_Name.git/info/refs?service=git-upload-pack"), { headers: auth })).status,
    ).toBe(404);
    expect((await fetch(url("/git/demo.git/info/refs"), { headers: auth })).status).toBe(403);
    expect(
      (await fetch(url("/git/nothing.git/info/refs?service=git-upload-pack"), { headers: auth })).status,
    ).toBe(404);
    expect((await fetch(url("/other"))).status).toBe(404);
  });

  test("a POST that is not git's protocol is refused before git runs, and nothing is created", async () => {
    const auth = { authorization: `Basic ${btoa(`x:${token}`)}` };
    const post = (app: string, service: string, contentType: string, body: string) =>
      fetch(`http://127.0.0.1:${server.port}/git/${app}.git/${service}`, {
        method: "POST",
        headers: { ...auth, "content-type": contentType },
        body,
      });
    const garbage = await post("demo", "git-upload-pack", "application/x-git-upload-pack-request", "hello");
    expect(garbage.status).toBe(400);
    expect(await garbage.text()).toContain("pkt-line");
    const wrongType = await post("demo", "git-upload-pack", "application/json", "0000");
    expect(wrongType.status).toBe(415);
    const push = await post("fresh", "git-receive-pack", "application/x-git-receive-pack-request", "{}");
    expect(push.status).toBe(400);
    expect(await Bun.file(join(scratch, "data", "git", "fresh.git", "HEAD")).exists()).toBe(false);
    // A flush alone is git's protocol: git answers it.
    const flush = await post("demo", "git-upload-pack", "application/x-git-upload-pack-request", "0000");
    expect(flush.status).toBe(200);
  });
});
