/**
 * Real `git push`es through the git endpoint into a DeployEngine with a real database (SQLite) and
 * static releases (an index.html; no Docker needed): what a push leaves live must be what the
 * branch points to.
 */
import { afterAll, expect, test } from "bun:test";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hashToken } from "@pier/auth";
import { createLogger } from "@pier/core";
import { createStores, openDatabase } from "@pier/db";
import { parseHookInput, repoPath, zeroSha } from "@pier/git";
import { gitClientEnv } from "@pier/git/testing";
import { createSecretBox } from "@pier/secrets";
import { createDockerClient } from "../docker/client.ts";
import { DeployLogs } from "../engine/deploy-log.ts";
import { DeployEngine } from "../engine/engine.ts";
import { targetEnvironment } from "../engine/environments.ts";
import { ServingTable } from "../engine/serving.ts";
import { createStaticReplicaRuntime } from "../static/static-replicas.ts";
import { createGitEndpoint, movedBranches } from "./git-endpoint.ts";

const scratch = await mkdtemp(join(tmpdir(), "pier-git-endpoint-"));
const dataDir = join(scratch, "data");
const database = await openDatabase({ dataDir });
const stores = createStores(database);
await stores.apps.create({ id: "app_site", name: "site" });
await stores.tokens.create({
  id: "tok_1",
  name: "ci",
  tokenHash: hashToken("t0ken"),
  hint: "t0ke",
  scopes: ["deploy"],
});
const logger = createLogger({ level: "error" });
const serving = new ServingTable();
const runtime = createStaticReplicaRuntime();
/** While set, a deploy's route swap waits for it: a push held "mid-deploy". */
let swapGate: Promise<void> | null = null;
let swapReached: () => void = () => {};
const publishRoutes = async () => {
  swapReached();
  await swapGate;
};
const engine = new DeployEngine({
  stores,
  secretBox: await createSecretBox(crypto.getRandomValues(new Uint8Array(32))),
  logger,
  dataDir,
  baseImages: { bun: "pier-base/bun:1", node: "node:22-slim" },
  docker: () => createDockerClient(),
  runtime,
  serving,
  logs: new DeployLogs(dataDir),
  publishRoutes,
  liveUrl: (host) => `http://${host}`,
});
const endpoint = createGitEndpoint({
  stores,
  engine,
  serving,
  runtime,
  publishRoutes,
  dataDir,
  baseDomain: "pier.test",
  logger,
});
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch: async (request, srv) => (await endpoint.fetch(request, srv)) ?? new Response("", { status: 404 }),
});
const remote = `http://x:t0ken@127.0.0.1:${server.port}/git/site.git`;
const gitEnv = gitClientEnv(scratch);

afterAll(async () => {
  server.stop(true);
  await endpoint.close();
  await engine.idle();
  await runtime.stopAll();
  database.close();
  await rm(scratch, { recursive: true, force: true });
});

/** Runs git to its end (async: the server answering it lives in this process). */
async function git(cwd: string, ...args: string[]): Promise<{ code: number; out: string }> {
  const started = startGit(cwd, ...args);
  return { code: await started.exited, out: await started.output };
}

/** Runs git; `saw(text)` resolves once its output contains `text` (remote lines stream as they come). */
function startGit(cwd: string, ...args: string[]) {
  const proc = Bun.spawn(["git", ...args], { cwd, env: gitEnv, stdout: "pipe", stderr: "pipe" });
  let out = "";
  const watchers: { text: string; resolve: () => void }[] = [];
  const read = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      out += decoder.decode(chunk, { stream: true });
      for (const w of watchers) if (out.includes(w.text)) w.resolve();
    }
  };
  const output = Promise.all([read(proc.stdout), read(proc.stderr)]).then(() => out);
  return {
    exited: proc.exited,
    output,
    saw: (text: string) =>
      new Promise<void>((resolve) => {
        watchers.push({ text, resolve });
        if (out.includes(text)) resolve();
      }),
  };
}

async function commitSite(dir: string, body: string): Promise<string> {
  await Bun.write(join(dir, "index.html"), body);
  await git(dir, "add", ".");
  await git(dir, "commit", "-q", "-m", body);
  return (await git(dir, "rev-parse", "HEAD")).out.trim();
}

/** What the environment serves: its current deployment's commit and its page. */
async function served(environment: string): Promise<{ commit: string | null; page: string } | null> {
  const entry = serving.get("site", environment);
  if (!entry?.deploymentId || entry.upstreams.length === 0) return null;
  const deployment = await stores.deployments.findById(entry.deploymentId);
  const page = await (await fetch(`http://${entry.upstreams[0]}/`)).text();
  return { commit: deployment?.commitSha ?? null, page };
}

async function serverRef(branch: string): Promise<string | undefined> {
  const { out } = await git(
    scratch,
    "--git-dir",
    repoPath(dataDir, "site"),
    "for-each-ref",
    `refs/heads/${branch}`,
  );
  return out.split(" ")[0] || undefined;
}

const repo = join(scratch, "repo");
await git(scratch, "init", "-q", "-b", "main", repo);
await git(repo, "remote", "add", "origin", remote);

test("the first push deploys production", async () => {
  const sha = await commitSite(repo, "v0");
  const push = await git(repo, "push", "origin", "main");
  expect(push.out).toContain("Live at");
  expect(push.code).toBe(0);
  expect(await served("production")).toEqual({ commit: sha, page: "v0" });
}, 30_000);

test("two pushes to main at once: the one that waited is refused and never goes live", async () => {
  const first = join(scratch, "first");
  const second = join(scratch, "second");
  await cp(repo, first, { recursive: true });
  await cp(repo, second, { recursive: true });
  const firstSha = await commitSite(first, "first");
  const secondSha = await commitSite(second, "second");

  let release!: () => void;
  swapGate = new Promise((resolve) => {
    release = resolve;
  });
  const reached = new Promise<void>((resolve) => {
    swapReached = resolve;
  });
  const pushA = startGit(first, "push", "origin", "main");
  await reached;
  // The second push arrives while the first is deploying: it waits for its turn.
  const pushB = startGit(second, "push", "origin", "main");
  await pushB.saw("remote: ");
  swapGate = null;
  swapReached = () => {};
  release();

  expect(await pushA.exited).toBe(0);
  const outB = await pushB.output;
  expect(await pushB.exited).not.toBe(0);
  expect(outB).toContain("Queued behind the running deploy of site");
  expect(outB).toContain("main moved while this push waited (another push landed first)");
  expect(outB).toContain("git pull");
  expect(await serverRef("main")).toBe(firstSha);
  expect(await served("production")).toEqual({ commit: firstSha, page: "first" });
  await engine.idle();
  // Nothing of the refused push was deployed.
  const deployed = (await stores.deployments.listForApp("app_site", 50)).map((d) => d.commitSha);
  expect(deployed).not.toContain(secondSha);

  // Pulling and pushing again is what the message says: it works.
  await git(second, "fetch", "-q", "origin");
  await git(second, "reset", "-q", "--hard", "origin/main");
  const againSha = await commitSite(second, "second, again");
  const again = await git(second, "push", "origin", "main");
  expect(again.code).toBe(0);
  expect(await served("production")).toEqual({ commit: againSha, page: "second, again" });
}, 60_000);

test("two branches with one preview name: the second is refused; deleting it leaves the first's preview", async () => {
  await git(repo, "checkout", "-q", "-b", "feat/x", "main");
  const slashSha = await commitSite(repo, "slash");
  const slash = await git(repo, "push", "origin", "feat/x");
  expect(slash.code).toBe(0);
  expect(await served("feat-x")).toEqual({ commit: slashSha, page: "slash" });

  await git(repo, "checkout", "-q", "-b", "feat-x", "main");
  await commitSite(repo, "dash");
  const dash = await git(repo, "push", "origin", "feat-x");
  expect(dash.code).not.toBe(0);
  expect(dash.out).toContain("belongs to branch feat/x");
  expect(dash.out).toContain("git push <remote> :feat/x");
  expect(await served("feat-x")).toEqual({ commit: slashSha, page: "slash" });
  expect(await serverRef("feat-x")).toBeUndefined();
  // The engine refuses too (deploys through the API; a push racing past the endpoint's check).
  const app = (await stores.apps.findByName("site"))!;
  const started = engine.start(app, targetEnvironment(app, "feat-x", "pier.test"), {
    kind: "git",
    gitDir: repoPath(dataDir, "site"),
    commitSha: slashSha,
    branch: "feat-x",
  });
  await expect(started).rejects.toThrow("belongs to branch feat/x");

  // A feat-x branch that reached the server anyway (pushed before pier refused such names):
  // deleting it must not take feat/x's preview along.
  await git(scratch, "--git-dir", repoPath(dataDir, "site"), "update-ref", "refs/heads/feat-x", slashSha);
  const removeDash = await git(repo, "push", "origin", ":feat-x");
  expect(removeDash.code).toBe(0);
  expect(removeDash.out).toContain("No preview for feat-x");
  expect(await served("feat-x")).toEqual({ commit: slashSha, page: "slash" });

  const removeSlash = await git(repo, "push", "origin", ":feat/x");
  expect(removeSlash.code).toBe(0);
  expect(removeSlash.out).toContain("Preview feat-x--site.pier.test removed");
  expect(serving.get("site", "feat-x")).toBeUndefined();
  expect(await stores.environments.findByName("app_site", "feat-x")).toBeUndefined();

  // The name is free again: feat-x gets its preview.
  const dashAgain = await git(repo, "push", "origin", "feat-x");
  expect(dashAgain.code).toBe(0);
  expect((await served("feat-x"))?.page).toBe("dash");
}, 60_000);

test("a branch moved when its ref no longer holds the sha the push started from", () => {
  const [a, b] = ["a".repeat(40), "b".repeat(40)];
  const updates = parseHookInput(`${a} ${b} refs/heads/main\n${zeroSha} ${b} refs/heads/new\n`);
  const moved = (refs: [string, string][]) => movedBranches(updates, new Map(refs)).map((u) => u.branch);
  expect(moved([["refs/heads/main", a]])).toEqual([]);
  expect(moved([["refs/heads/main", "c".repeat(40)]])).toEqual(["main"]);
  // A branch this push creates must still be missing.
  expect(
    moved([
      ["refs/heads/main", a],
      ["refs/heads/new", a],
    ]),
  ).toEqual(["new"]);
});

test("a push git cannot do says why: an unknown app is a 404 naming the fix, a token limited to other apps a 403", async () => {
  await stores.tokens.create({
    id: "tok_scoped",
    name: "other-app-only",
    tokenHash: hashToken("sc0ped"),
    hint: "sc0p",
    scopes: ["deploy"],
    apps: ["other"],
  });
  await stores.tokens.create({
    id: "tok_read",
    name: "reader",
    tokenHash: hashToken("re4d"),
    hint: "re4d",
    scopes: ["read"],
  });
  const dir = join(scratch, "refused");
  await git(scratch, "init", "-q", "-b", "main", dir);
  await commitSite(dir, "refused");
  const push = (token: string, app: string) =>
    git(dir, "push", `http://x:${token}@127.0.0.1:${server.port}/git/${app}.git`, "main");

  const unknown = await push("t0ken", "nope");
  expect(unknown.code).not.toBe(0);
  expect(unknown.out).toContain('remote: App "nope" does not exist: create it with pier apps create nope');
  expect(unknown.out).not.toContain("Authentication");

  // The scoped token gets the same answer for an app that exists and one that does not.
  for (const app of ["site", "nope"]) {
    const scoped = await push("sc0ped", app);
    expect(scoped.code).not.toBe(0);
    expect(scoped.out).toContain(`remote: This token may not push to ${app}: it is limited to other apps`);
    expect(scoped.out).not.toContain("does not exist");
  }

  const reader = await push("re4d", "site");
  expect(reader.out).toContain("remote: This token may not push to apps: it needs the deploy scope");

  // No valid token: still the challenge that makes git ask for credentials.
  const wrong = await push("wrong", "nope");
  expect(wrong.out).toContain("Authentication failed");
  expect(await Bun.file(join(repoPath(dataDir, "nope"), "HEAD")).exists()).toBe(false);
}, 30_000);
