/**
 * The deploy engine through the compiled binary, a real git client and a real Docker Engine:
 * push -> build -> health-checked rollout -> proxy. Needs dockerd and pier-base/bun:1.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { createDockerClient, listPierContainers, removeAppContainersAndImages } from "@pier/deploy";
import { type PierProcess, pierBinary, runCli } from "../support/pier-process.ts";
import {
  api,
  baseDomain,
  bunAppFiles,
  gitRemote,
  requireDocker,
  ScratchRepo,
  startDeployPier,
  staticSiteFiles,
  viaProxy,
  waitFor,
} from "./deploy-fixtures.ts";

const ready = await requireDocker();
const token = `pier_deploy${crypto.randomUUID().replaceAll("-", "")}`;
const suffix = Date.now().toString(36);
const appName = `web${suffix}`;
const siteName = `site${suffix}`;
const drainName = `drain${suffix}`;
let pier: PierProcess;
let call: ReturnType<typeof api>;
let repo: ScratchRepo;
const docker = createDockerClient();

/** The CLI against this suite's pier, as the token's owner. */
const pierCli = (...args: string[]) => runCli([...args, "--url", pier.url, "--token", token]);
const text = async (host: string, path = "/") => (await viaProxy(pier.httpPort, host, path)).text();
const host = (name: string) => `${name}.${baseDomain}`;
type Deployment = { id: string; status: string; error: string | null; environment: string; source: string };
const deployments = async (name: string) =>
  (await call<{ deployments: Deployment[] }>("GET", `/api/v1/apps/${name}/deployments`)).body.deployments;

beforeAll(async () => {
  if (!ready) return;
  pier = await startDeployPier(token, { proxyWorkers: 2 });
  call = api(pier.url, token);
  for (const name of [appName, siteName, drainName])
    expect((await call("POST", "/api/v1/apps", { name })).status).toBe(201);
  repo = new ScratchRepo(gitRemote(pier, token, appName));
});

afterAll(async () => {
  if (!ready) return;
  await pier?.stop();
  for (const name of [appName, siteName, drainName]) {
    await removeAppContainersAndImages(docker, name);
  }
});

describe.skipIf(!ready)("deploy engine through pier serve", () => {
  test("git push of a Bun app: build and rollout in the push output, answer through the proxy", async () => {
    await repo.commit(bunAppFiles("v1"), "v1");
    const push = await repo.push("main");
    expect(push.code).toBe(0);
    expect(push.output).toContain("remote: -----> Starting 1 replica");
    expect(push.output).toContain(`remote: -----> Live at http://${host(appName)}:${pier.httpPort}`);
    expect(await text(host(appName))).toBe("v1 -");
    const [latest] = await deployments(appName);
    expect(latest).toMatchObject({ status: "live", source: "git", environment: "production" });
    console.log(`git push -> live (Bun app): ${push.ms} ms`);
  }, 120_000);

  test("a live app gets the platform's env (Sentry DSN, release, environment) and an uptime monitor", async () => {
    const env = JSON.parse(await text(host(appName), "/env"));
    const [latest] = await deployments(appName);
    expect(env.SENTRY_DSN).toMatch(new RegExp(`^http://[0-9a-f]+@${host(appName).replaceAll(".", "\\.")}`));
    expect(env.SENTRY_RELEASE).toBe(latest!.id);
    expect(env.SENTRY_ENVIRONMENT).toBe("production");
    // OpenTelemetry's standard variables: the same host's /_pier/otlp and the same project key.
    const key = new URL(env.SENTRY_DSN).username;
    expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).toBe(`http://${host(appName)}:${pier.httpPort}/_pier/otlp`);
    expect(env.OTEL_EXPORTER_OTLP_HEADERS).toBe(`x-pier-key=${key}`);
    expect(env.OTEL_SERVICE_NAME).toBe(appName);
    await waitFor(
      "the app's default monitor",
      async () => {
        const { body } = await call<{ monitors: { name: string; url?: string }[] }>(
          "GET",
          "/api/v1/monitors",
        );
        return body.monitors.some((m) => m.name === `app:${appName}`);
      },
      10_000,
    );
    // Its name resolves nowhere (pier.test) and would point at this machine anyway, which the
    // egress policy refuses to monitors: pier checks its own apps through its own proxy.
    const check = await call<{ result: { ok: boolean; error?: string }; monitor: { status: string } }>(
      "POST",
      `/api/v1/monitors/app:${appName}/check`,
    );
    expect(check.body.result).toMatchObject({ ok: true });
    expect(check.body.monitor.status).toBe("up");
  }, 60_000);

  test("unknown app and a token without the deploy scope are refused", async () => {
    const stranger = new ScratchRepo(gitRemote(pier, token, "nosuchapp"));
    await stranger.commit({ "index.html": "x" });
    const push = await stranger.push("main");
    expect(push.code).not.toBe(0);
    const readOnly = await call<{ token: string }>("POST", "/api/v1/tokens", {
      name: "ro",
      scopes: ["read"],
    });
    const ro = new ScratchRepo(gitRemote(pier, readOnly.body.token, appName));
    await ro.commit({ "index.html": "x" });
    expect((await ro.push("main")).code).not.toBe(0);
  }, 30_000);

  test("a release failing its health check is not routed: the old one keeps serving", async () => {
    await repo.commit(
      bunAppFiles("broken", {
        healthy: false,
        pierToml: `[health]\npath = "/health"\ninterval = "200ms"\n[deploy]\ntimeout = "3s"\n`,
      }),
      "broken",
    );
    const push = await repo.push("main");
    // The failed deploy refuses the push (review finding 16): CI pipelines see git fail.
    expect(push.code).not.toBe(0);
    expect(push.output).toContain("pre-receive hook declined");
    expect(push.output).toContain("failed its health check on /health: ");
    expect(push.output).toContain("remote: -----> DEPLOY FAILED");
    expect(push.output).toContain("The previous release keeps serving");
    expect(await text(host(appName))).toBe("v1 -");
    const [failed] = await deployments(appName);
    expect(failed!.status).toBe("failed");
    expect(failed!.error).toContain("health check");
    const log = await call<string>("GET", `/api/v1/deployments/${failed!.id}/log`);
    expect(log.body).toContain("Health check: GET /health");
  }, 120_000);

  test("pier deploy --ref deploys what was pushed again, without a new push", async () => {
    const cli = await pierCli("deploy", "--app", appName, "--ref", "main");
    expect(cli.stderr).toContain("queued (production)");
    expect(cli.stdout).toContain("Live at");
    expect(cli.code).toBe(0);
    expect(await text(host(appName))).toBe("v1 -");
    const unknown = await pierCli("deploy", "--app", appName, "--ref", "no-such-branch");
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("does not exist");
  }, 120_000);

  test("rollback goes back to the previous release with a health-checked swap", async () => {
    await repo.commit(bunAppFiles("v2"), "v2");
    expect((await repo.push("main")).code).toBe(0);
    expect(await text(host(appName))).toBe("v2 -");
    const cli = await pierCli("rollback", "--app", appName);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain("Live at");
    expect(await text(host(appName))).toBe("v1 -");
    const [rolled, replaced] = await deployments(appName);
    expect(rolled).toMatchObject({ status: "live", source: "rollback" });
    expect(replaced!.status).toBe("rolled_back");
    // Nothing earlier than v1 that differs: v2 is now the candidate, found by id.
    const again = await call("POST", `/api/v1/apps/${appName}/rollback`, { to: replaced!.id });
    expect(again.status).toBe(202);
    await waitFor("v2 live again", async () => (await text(host(appName))) === "v2 -");
  }, 120_000);

  test("an env var change restarts the replicas with the new value; values are masked", async () => {
    // One bad pair: nothing is set (the good one neither) and nothing restarts.
    const before = (await deployments(appName)).length;
    const bad = await pierCli("env", "set", "MESSAGE=hello", "bad key=2", "--app", appName);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("env var names are letters");
    expect((await call<{ env: unknown[] }>("GET", `/api/v1/apps/${appName}/env`)).body.env).toEqual([]);
    // Several at once: set together, one restart.
    const set = await pierCli("env", "set", "MESSAGE=hello", "COLOR=blue", "--app", appName);
    expect(set.code).toBe(0);
    expect(set.stdout).toContain("Set MESSAGE, COLOR on");
    expect((await deployments(appName)).length).toBe(before + 1);
    await waitFor(
      "the new env through the proxy",
      async () => (await text(host(appName))) === "v2 hello",
      60_000,
    );
    const list = await call<{ env: { key: string; value: string; secret: boolean }[] }>(
      "GET",
      `/api/v1/apps/${appName}/env`,
    );
    expect(list.body.env).toEqual([
      expect.objectContaining({ key: "COLOR", value: "••••••", secret: true }),
      expect.objectContaining({ key: "MESSAGE", value: "••••••", secret: true }),
    ]);
    const [restart] = await deployments(appName);
    expect(restart!.status).toBe("live");
    const unset = await pierCli("env", "unset", "MESSAGE", "--app", appName);
    expect(unset.code).toBe(0);
    await waitFor("the env var gone", async () => (await text(host(appName))) === "v2 -", 60_000);
  }, 120_000);

  test("a branch push creates a preview at BRANCH--APP, deleting the branch removes it", async () => {
    repo.git("checkout", "-q", "-b", "Feature/Cart");
    await repo.commit(bunAppFiles("preview"), "preview");
    const push = await repo.push("Feature/Cart");
    expect(push.code).toBe(0);
    const previewHost = `feature-cart--${appName}.${baseDomain}`;
    expect(push.output).toContain(`Live at http://${previewHost}`);
    expect(await text(previewHost)).toBe("preview -");
    expect(await text(host(appName))).toBe("v2 -");
    const envs = await call<{ environments: { name: string; kind: string; status: string }[] }>(
      "GET",
      `/api/v1/apps/${appName}/environments`,
    );
    expect(envs.body.environments.map((e) => `${e.name}:${e.kind}:${e.status}`).sort()).toEqual([
      "feature-cart:preview:live",
      "production:production:live",
    ]);
    const del = await repo.push(":Feature/Cart");
    expect(del.code).toBe(0);
    expect(del.output).toContain(`Preview ${previewHost} removed`);
    expect((await viaProxy(pier.httpPort, previewHost)).status).toBe(404);
    const containers = await listPierContainers(docker, { app: appName });
    expect(containers.filter((c) => c.env === "feature-cart" && c.state === "running")).toEqual([]);
    repo.git("checkout", "-q", "main");
  }, 120_000);

  test("static site push: no container, content types, ETag, gzip, SPA fallback", async () => {
    const site = new ScratchRepo(gitRemote(pier, token, siteName));
    await site.commit(staticSiteFiles("Static one"));
    const push = await site.push("main");
    expect(push.code).toBe(0);
    expect(push.output).toContain("published without a container");
    const home = await viaProxy(pier.httpPort, host(siteName), "/");
    expect(home.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await home.text()).toContain("Static one");
    const css = await viaProxy(pier.httpPort, host(siteName), "/app.css", { "accept-encoding": "gzip" });
    expect(css.headers.get("content-encoding")).toBe("gzip");
    // fetch decompresses on its own: the text proves the body was valid gzip.
    expect(await css.text()).toContain("sans-serif");
    const etag = css.headers.get("etag")!;
    expect(
      (await viaProxy(pier.httpPort, host(siteName), "/app.css", { "if-none-match": etag })).status,
    ).toBe(304);
    const deep = await viaProxy(pier.httpPort, host(siteName), "/some/page", { accept: "text/html" });
    expect(deep.status).toBe(200);
    expect(await deep.text()).toContain("Static one");
    expect(await listPierContainers(docker, { app: siteName })).toEqual([]);
    console.log(`git push -> live (static site): ${push.ms} ms`);
  }, 60_000);

  test("pier deploy DIR uploads a tarball honouring .gitignore and streams the log", async () => {
    const dir = join(repo.dir, "..", `upload-${suffix}`);
    for (const [path, content] of Object.entries(staticSiteFiles("Uploaded")))
      await Bun.write(join(dir, path), content);
    await Bun.write(join(dir, ".gitignore"), "secret.txt\n");
    await Bun.write(join(dir, "secret.txt"), "do not ship");
    const cli = await pierCli("deploy", dir, "--app", siteName);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain("Live at");
    expect(await text(host(siteName))).toContain("Uploaded");
    expect((await viaProxy(pier.httpPort, host(siteName), "/secret.txt")).status).toBe(404);
  }, 60_000);

  test("deleting an app removes its repository, deploy logs and static releases; the name starts afresh", async () => {
    const before = await deployments(siteName);
    expect(before.length).toBeGreaterThan(1);
    const repoDir = join(pier.dataDir, "git", `${siteName}.git`);
    const staticDirs = () =>
      existsSync(join(pier.dataDir, "static")) ? readdirSync(join(pier.dataDir, "static")) : [];
    expect(existsSync(repoDir)).toBe(true);
    expect(staticDirs().length).toBeGreaterThan(0);
    const cli = await pierCli("apps", "delete", siteName, "--confirm", siteName);
    expect(cli.code).toBe(0);
    expect(existsSync(repoDir)).toBe(false);
    for (const d of before) expect(existsSync(join(pier.dataDir, "deployments", `${d.id}.log`))).toBe(false);
    // The only other app here runs in containers: no static release may be left.
    expect(staticDirs()).toEqual([]);
    expect((await viaProxy(pier.httpPort, host(siteName), "/")).status).toBe(404);
    // A new app of the same name takes an unrelated history without a force push.
    expect((await call("POST", "/api/v1/apps", { name: siteName })).status).toBe(201);
    const fresh = new ScratchRepo(gitRemote(pier, token, siteName));
    await fresh.commit(staticSiteFiles("Second life"));
    const push = await fresh.push("main");
    expect(push.code).toBe(0);
    expect(await text(host(siteName))).toContain("Second life");
    expect(await deployments(siteName)).toHaveLength(1);
  }, 60_000);

  test("the drain waits for requests in flight to the old release, then retires it without waiting out drain_timeout", async () => {
    const pierToml = `[health]\npath = "/health"\ninterval = "200ms"\n[deploy]\ntimeout = "20s"\ndrain_timeout = "20s"\nstop_timeout = "2s"\n`;
    const drainRepo = new ScratchRepo(gitRemote(pier, token, drainName));
    const containers = async () => (await listPierContainers(docker, { app: drainName })).length;
    await drainRepo.commit(bunAppFiles("d1", { pierToml }));
    expect((await drainRepo.push("main")).code).toBe(0);
    expect(await containers()).toBe(1);

    // In flight to d1 while d2 goes live: it must finish on d1, and d1 must stay until it did.
    const slow = viaProxy(pier.httpPort, host(drainName), "/slow?ms=3000").then(async (r) => ({
      status: r.status,
      body: await r.text(),
      at: performance.now(),
    }));
    await Bun.sleep(300);
    await drainRepo.commit(bunAppFiles("d2", { pierToml }));
    expect((await drainRepo.push("main")).code).toBe(0);
    expect(await text(host(drainName))).toBe("d2 -");
    expect(await containers()).toBe(2);
    const answer = await slow;
    expect(answer).toMatchObject({ status: 200, body: "slow d1" });
    await waitFor("d1 retired", async () => (await containers()) === 1, 8_000);
    const retiredAfter = performance.now() - answer.at;
    expect(retiredAfter).toBeLessThan(8_000);

    // Nothing in flight: the old release goes at once, far within the 20 s drain_timeout.
    await drainRepo.commit(bunAppFiles("d3", { pierToml }));
    const pushed = performance.now();
    expect((await drainRepo.push("main")).code).toBe(0);
    await waitFor("d2 retired", async () => (await containers()) === 1, 8_000);
    console.log(
      `drain: old release retired ${Math.round(retiredAfter)} ms after its last request; idle one ${Math.round(performance.now() - pushed)} ms after the push began`,
    );
  }, 90_000);

  test("pier deploy --image runs a prebuilt image", async () => {
    const [live] = (await deployments(appName)).filter(
      (d) => d.status === "live" && d.environment === "production",
    );
    const image = (await call<{ deployment: { image: string } }>("GET", `/api/v1/deployments/${live!.id}`))
      .body.deployment.image;
    const cli = await pierCli("deploy", "--image", image, "--port", "3000", "--app", appName);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain("Live at");
    const [latest] = await deployments(appName);
    expect(latest).toMatchObject({ source: "image", status: "live" });
  }, 60_000);

  test("pier logs prints the replicas' output; metrics and overview answer", async () => {
    const logs = await pierCli("logs", "--app", appName, "--tail", "20");
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain("listening v2");
    const overview = await call<{ apps: { name: string; status: string; replicas: number }[] }>(
      "GET",
      "/api/v1/apps-overview",
    );
    expect(overview.body.apps.find((a) => a.name === appName)).toMatchObject({ status: "live", replicas: 1 });
    const metrics = await call<{ points: unknown[] }>("GET", `/api/v1/apps/${appName}/metrics?minutes=5`);
    expect(metrics.status).toBe(200);
    expect(Array.isArray(metrics.body.points)).toBe(true);
  }, 30_000);

  test("pier logs -f follows the replicas; the deploy log SSE ends with a status event", async () => {
    const proc = Bun.spawn(
      [pierBinary, "logs", "--app", appName, "-f", "--tail", "5", "--url", pier.url, "--token", token],
      {
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    let seen = "";
    const reader = proc.stdout.getReader();
    const deadline = Date.now() + 10_000;
    while (!seen.includes("listening") && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += new TextDecoder().decode(value);
    }
    proc.kill();
    await proc.exited;
    expect(seen).toContain("listening");
    const [latest] = await deployments(appName);
    const sse = await fetch(`${pier.url}/api/v1/deployments/${latest!.id}/log?follow=1`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(sse.headers.get("content-type")).toContain("text/event-stream");
    const body = await sse.text();
    expect(body).toContain("event: line\ndata: ");
    expect(body).toContain('event: status\ndata: {"status":"live","error":null}');
  }, 30_000);

  test("two pushes of one app at once are serialised and both go live", async () => {
    const other = new ScratchRepo(gitRemote(pier, token, appName));
    await other.commit(bunAppFiles("concurrent-a"));
    await repo.commit(bunAppFiles("concurrent-b"));
    // Two branches: git itself refuses two concurrent updates of one ref.
    const first = other.push("main:race");
    await Bun.sleep(50);
    const second = repo.push("main", ["--force"]);
    const [a, b] = await Promise.all([first, second]);
    expect(a.output + b.output).toContain("Queued behind the running deploy");
    expect(a.output).toContain("Live at");
    expect(b.output).toContain("Live at");
    expect(await text(host(appName))).toBe("concurrent-b -");
    expect(await text(`race--${appName}.${baseDomain}`)).toBe("concurrent-a -");
    expect((await other.push(":race")).code).toBe(0);
    expect(
      (await deployments(appName)).filter((d) => d.status === "live" && d.environment === "production"),
    ).toHaveLength(1);
  }, 60_000);

  test("pier domains add routes a custom domain to production", async () => {
    const cli = await pierCli("domains", "add", "shop.example.test", "--app", appName);
    expect(cli.code).toBe(0);
    expect(await text("shop.example.test")).toBe("concurrent-b -");
  }, 30_000);
});
