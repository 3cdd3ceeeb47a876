/**
 * The app runtime against real containers: release commands (a failing one keeps the old release
 * with 0 failed requests under load), cron jobs (every "minute" observed twice with the test-only
 * seconds field, overlap skip, a failure notified, no double run across a restart), pier run.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createDockerClient, removeAppContainersAndImages } from "@pier/deploy";
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
const token = `pier_runtime${crypto.randomUUID().replaceAll("-", "")}`;
const suffix = Date.now().toString(36);
const docker = createDockerClient();
const apps: string[] = [];
let pier: PierProcess;
let call: ReturnType<typeof api>;
const notifications: { kind: string; [key: string]: unknown }[] = [];
const receiver = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(request) {
    const body = (await request.json()) as { data?: { kind: string } };
    if (body.data) notifications.push(body.data);
    return new Response("ok");
  },
});

const pierEnv = () => ({
  PIER_ADMIN_TOKEN: token,
  ...deployEnv(),
  PIER_CRON_SECONDS: "1",
  PIER_CRON_RETRY_BASE_MS: "200",
});
const start = (dataDir?: string) =>
  startPier({ dataDir, env: pierEnv(), args: ["--proxy-workers", "1", "--base-domain", baseDomain] });

/** A Bun app answering VERSION; its pier.toml gets `extra` appended. */
function app(version: string, extra = "") {
  return {
    "package.json": JSON.stringify({ name: "rt-app", scripts: { start: "bun server.ts" } }),
    "bunfig.toml": "",
    "pier.toml": `[health]\npath = "/"\ninterval = "200ms"\n[deploy]\ntimeout = "20s"\ndrain_timeout = "1s"\nstop_timeout = "1s"\n${extra}`,
    "server.ts": `Bun.serve({ port: Number(process.env.PORT), hostname: process.env.HOST, fetch: () => new Response(${JSON.stringify(version)}) });`,
    "migrate.ts": `console.log("migrating", process.env.MESSAGE ?? "-"); console.error("to schema 2"); process.exit(Number(process.env.MIGRATE_EXIT ?? 0));`,
    "job.ts": `console.log("job ran at", new Date().toISOString()); await Bun.sleep(Number(process.argv[2] ?? 0)); process.exit(Number(process.argv[3] ?? 0));`,
    "echo.ts": `const input = await new Response(Bun.stdin.stream()).text(); console.log("got:" + input.trim()); console.error("to stderr"); process.exit(7);`,
  };
}

async function createApp(name: string) {
  apps.push(name);
  expect((await call("POST", "/api/v1/apps", { name })).status).toBe(201);
  return new ScratchRepo(gitRemote(pier, token, name));
}

beforeAll(async () => {
  if (!ready) return;
  pier = await start();
  call = api(pier.url, token);
  expect(
    (
      await call("POST", "/api/v1/notification-channels", {
        name: "ops",
        events: ["cron.failed"],
        config: { kind: "webhook", url: `http://127.0.0.1:${receiver.port}/hook` },
      })
    ).status,
  ).toBe(201);
});

afterAll(async () => {
  receiver.stop(true);
  if (!ready) return;
  await pier?.stop();
  for (const name of apps) await removeAppContainersAndImages(docker, name);
});

describe.skipIf(!ready)("release command", () => {
  const name = `rel${suffix}`;
  const host = `${name}.${baseDomain}`;

  test("runs before the replicas with the app's env, its output in the deploy log", async () => {
    const repo = await createApp(name);
    expect(
      (await call("PUT", `/api/v1/apps/${name}/env`, { key: "MESSAGE", value: "hi", secret: false })).status,
    ).toBe(200);
    await repo.commit(app("v1", `release_command = "bun migrate.ts"\n`));
    const push = await repo.push("main");
    expect(push.output).toContain("Running release command: bun migrate.ts");
    expect(push.output).toContain("migrating hi");
    expect(push.output).toContain("to schema 2");
    expect(push.output).toContain("Live at");
    expect(await (await viaProxy(pier.httpPort, host)).text()).toBe("v1");
    // Removed once it ran; nothing of it is left.
    const oneOffs = await docker.listContainers({
      all: true,
      filters: { label: ["pier.one-off", `pier.app=${name}`] },
    });
    expect(oneOffs).toHaveLength(0);
  }, 120_000);

  test("a failing release command fails the deploy; the old release serves with 0 failed requests", async () => {
    const repo = new ScratchRepo(gitRemote(pier, token, name));
    // The repo of the first test lives in another directory; this one starts from the same files.
    await repo.commit(app("v2", `release_command = ["bun", "migrate.ts"]\n[env]\nMIGRATE_EXIT = "3"\n`));
    const stop = new AbortController();
    let requests = 0;
    const failures: string[] = [];
    const load = Promise.all(
      Array.from({ length: 4 }, async () => {
        while (!stop.signal.aborted) {
          requests++;
          try {
            const res = await fetch(`http://127.0.0.1:${pier.httpPort}/`, { headers: { host } });
            const body = await res.text();
            if (res.status !== 200 || body !== "v1") failures.push(`${res.status} ${body.slice(0, 80)}`);
          } catch (error) {
            failures.push((error as Error).message);
          }
        }
      }),
    );
    const push = await repo.push("main", ["--force"]);
    await Bun.sleep(300);
    stop.abort();
    await load;
    expect(push.code).not.toBe(0);
    expect(push.output).toContain("release command exited with code 3");
    expect(push.output).toContain("the previous release keeps serving");
    expect(requests).toBeGreaterThan(50);
    expect(failures).toEqual([]);
    const { body } = await call<{ deployments: { status: string; error: string | null }[] }>(
      "GET",
      `/api/v1/apps/${name}/deployments`,
    );
    expect(body.deployments[0]).toMatchObject({
      status: "failed",
      error: "release command exited with code 3",
    });
    expect(body.deployments[1]?.status).toBe("live");
  }, 120_000);
});

describe.skipIf(!ready)("pier run and pier exec", () => {
  const name = `rel${suffix}`;
  // Connection flags go before --: what follows it is the command.
  const cli = (args: string[], stdin?: string) => {
    const split = args.indexOf("--");
    const [before, after] = split === -1 ? [args, []] : [args.slice(0, split), args.slice(split)];
    return runCli([...before, "--url", pier.url, "--token", token, ...after], {}, stdin);
  };

  test("pier run: stdin in, stdout and stderr out, the command's exit code, the container removed", async () => {
    const result = await cli(["run", "--app", name, "--", "bun", "echo.ts"], "hello pier\n");
    expect(result.stdout).toContain("got:hello pier");
    expect(result.stderr).toContain("to stderr");
    expect(result.code).toBe(7);
    const ok = await cli(["run", "--app", name, "--", "sh", "-c", "echo $MESSAGE; exit 0"]);
    expect(ok.stdout.trim()).toBe("hi");
    expect(ok.code).toBe(0);
    const left = await docker.listContainers({
      all: true,
      filters: { label: ["pier.one-off=run", `pier.app=${name}`] },
    });
    expect(left).toHaveLength(0);
  }, 60_000);

  test("pier exec runs inside the live replica", async () => {
    const result = await cli([
      "exec",
      "--app",
      name,
      "--",
      "sh",
      "-c",
      "cat /proc/1/cmdline | tr '\\0' ' '; exit 3",
    ]);
    expect(result.stdout).toContain("init");
    expect(result.code).toBe(3);
  }, 60_000);

  test("errors: no such app, no command", async () => {
    const missing = await cli(["run", "--app", "nosuchapp", "--", "true"]);
    expect(missing.code).not.toBe(0);
    const usage = await cli(["run", "--app", name]);
    expect(usage.code).toBe(2);
  }, 30_000);
});

describe.skipIf(!ready)("cron jobs", () => {
  const name = `cron${suffix}`;
  type Run = {
    job: string;
    status: string;
    trigger: string;
    scheduledAt: string | null;
    exitCode: number | null;
    output: string[];
  };
  const history = async (job?: string) =>
    (
      await call<{ runs: Run[] }>(
        "GET",
        `/api/v1/apps/${name}/cron/history?limit=500${job ? `&job=${job}` : ""}`,
      )
    ).body.runs;

  test("a job every 'minute' (seconds in tests) runs on schedule, twice observed; overlap skip; failures notified", async () => {
    const repo = await createApp(name);
    await repo.commit(
      app(
        "c1",
        [
          `[[cron]]\nname = "tick"\nschedule = "*/2 * * * * *"\ncommand = "bun job.ts"\n`,
          // Runs 3 s every 1 s: every other time is skipped while it is still running.
          `[[cron]]\nname = "slow"\nschedule = "* * * * * *"\ncommand = ["bun", "job.ts", "3000"]\n`,
          `[[cron]]\nname = "broken"\nschedule = "*/3 * * * * *"\ncommand = "bun job.ts 0 4"\nretries = 1\n`,
        ].join("\n"),
      ),
    );
    expect((await repo.push("main")).output).toContain("Live at");
    const tick = await waitFor(
      "two runs of tick",
      async () => {
        const runs = (await history("tick")).filter((r) => r.status === "succeeded");
        return runs.length >= 2 && runs;
      },
      30_000,
    );
    expect(tick[0]!.output.join("\n")).toContain("job ran at");
    expect(tick[0]!.trigger).toBe("schedule");
    const times = tick.map((r) => new Date(r.scheduledAt!).getTime());
    expect(new Set(times).size).toBe(times.length);
    await waitFor("a skipped run of slow", async () =>
      (await history("slow")).some((r) => r.status === "skipped"),
    );
    const failed = await waitFor("cron.failed notified", async () =>
      notifications.find((n) => n.kind === "cron.failed" && n.job === "broken"),
    );
    expect(failed).toMatchObject({ app: name, attempts: 2, reason: "exited with code 4" });
    const broken = await history("broken");
    expect(broken.some((r) => r.trigger === "retry" && r.exitCode === 4)).toBe(true);

    const list = await runCli(["cron", "list", "--app", name, "--url", pier.url, "--token", token]);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain("tick");
    expect(list.stdout).toContain("*/2 * * * * *");
  }, 90_000);

  test("pier cron run runs now and exits with the job's code", async () => {
    const ran = await runCli(["cron", "run", "broken", "--app", name, "--url", pier.url, "--token", token]);
    expect(ran.stdout).toContain("job ran at");
    expect(ran.code).toBe(4);
    const history = await runCli([
      "cron",
      "history",
      "--app",
      name,
      "--job",
      "broken",
      "--url",
      pier.url,
      "--token",
      token,
    ]);
    expect(history.stdout).toContain("manual");
  }, 60_000);

  test("a restart runs no scheduled time twice", async () => {
    await pier.stop();
    await Bun.sleep(3000);
    pier = await start(pier.dataDir);
    const restartedAt = Date.now();
    call = api(pier.url, token);
    // Runs resume on schedule after the restart...
    await waitFor(
      "a scheduled run after the restart",
      async () =>
        (await history("tick")).some(
          (r) =>
            r.status === "succeeded" &&
            r.trigger === "schedule" &&
            new Date(r.scheduledAt!).getTime() > restartedAt,
        ),
      30_000,
    );
    const runs = (await history("tick")).filter((r) => r.trigger !== "manual" && r.status !== "skipped");
    const times = runs.map((r) => r.scheduledAt);
    // ...no scheduled time ran twice...
    expect(new Set(times).size).toBe(times.length);
    // ...and without catch_up the times missed while pier was down were let go.
    expect(runs.some((r) => r.trigger === "catch_up")).toBe(false);
  }, 60_000);
});

describe.skipIf(!ready)("sleeping environments", () => {
  const name = `nap${suffix}`;
  const host = `${name}.${baseDomain}`;
  type Env = { name: string; status: string; replicas: number; sleepingSince: string | null };
  const production = async () =>
    (await call<{ environments: Env[] }>("GET", `/api/v1/apps/${name}/environments`)).body.environments.find(
      (e) => e.name === "production",
    )!;
  const replicas = async () =>
    (await docker.listContainers({ filters: { label: [`pier.app=${name}`] } })).filter(
      (c) => !c.Labels["pier.one-off"],
    );

  test("idle for sleep_after: replicas stopped, the environment sleeping; wake starts it again", async () => {
    const repo = await createApp(name);
    await repo.commit(app("awake", `sleep_after = "2s"\n`));
    expect((await repo.push("main")).output).toContain("Live at");
    expect(await (await viaProxy(pier.httpPort, host)).text()).toBe("awake");
    // Requests keep it awake.
    for (let i = 0; i < 6; i++) {
      expect((await viaProxy(pier.httpPort, host)).status).toBe(200);
      await Bun.sleep(500);
    }
    expect((await production()).status).toBe("live");
    const asleep = await waitFor("the environment sleeps", async () => {
      const env = await production();
      return env.status === "sleeping" && env;
    });
    expect(asleep.replicas).toBe(0);
    expect(asleep.sleepingSince).not.toBeNull();
    // No default monitor: its checks would keep a sleeping production awake.
    const monitors = await call<{ monitors: { name: string }[] }>("GET", "/api/v1/monitors");
    expect(monitors.body.monitors.map((m) => m.name)).not.toContain(`app:${name}`);
    // The route went first; the replicas stop within their stop_timeout.
    await waitFor("no replica left", async () => (await replicas()).length === 0);

    const started = performance.now();
    const woke = await call<{ environment: Env; wokeInMs: number }>(
      "POST",
      `/api/v1/apps/${name}/environments/production/wake`,
    );
    const ms = Math.round(performance.now() - started);
    expect(woke.status).toBe(200);
    expect(woke.body.environment).toMatchObject({ status: "live", replicas: 1, sleepingSince: null });
    console.log(`wake-up of a Bun app through the API: ${ms} ms (engine: ${woke.body.wokeInMs} ms)`);
    expect(await (await viaProxy(pier.httpPort, host)).text()).toBe("awake");
    expect(await replicas()).toHaveLength(1);
  }, 90_000);

  test("a restart keeps a sleeping environment asleep", async () => {
    await waitFor("asleep again", async () => (await production()).status === "sleeping");
    // The status flips first; the database remembers it, then the replicas go: a stop before that
    // would leave it awake after the restart.
    await waitFor("no replica left", async () => (await replicas()).length === 0);
    await pier.stop();
    pier = await start(pier.dataDir);
    call = api(pier.url, token);
    expect((await production()).status).toBe("sleeping");
    expect(await replicas()).toHaveLength(0);
    const woke = await call<{ environment: Env }>(
      "POST",
      `/api/v1/apps/${name}/environments/production/wake`,
    );
    expect(woke.body.environment.status).toBe("live");
    expect(await (await viaProxy(pier.httpPort, host)).text()).toBe("awake");
  }, 90_000);
});

describe.skipIf(!ready)("sleeping previews woken by the proxy", () => {
  const name = `wake${suffix}`;
  const preview = `feature--${name}.${baseDomain}`;
  type Env = { name: string; status: string };
  const previewEnv = async () =>
    (await call<{ environments: Env[] }>("GET", `/api/v1/apps/${name}/environments`)).body.environments.find(
      (e) => e.name === "feature",
    );
  const asleep = () => waitFor("the preview sleeps", async () => (await previewEnv())?.status === "sleeping");
  /** The app of app(), whose WebSocket at /ws echoes with its version too. */
  const files = (version: string, pierToml: string) => ({
    ...app(version),
    "pier.toml": pierToml,
    "server.ts": `Bun.serve({
  port: Number(process.env.PORT),
  hostname: process.env.HOST,
  fetch(req, server) {
    if (new URL(req.url).pathname === "/ws" && server.upgrade(req)) return undefined;
    return new Response(${JSON.stringify(version)});
  },
  websocket: { message(ws, message) { ws.send(${JSON.stringify(version)} + ":" + message); } },
});`,
  });
  const toml = (extra = "") =>
    `[health]\npath = "/"\ninterval = "200ms"\n[deploy]\ntimeout = "20s"\ndrain_timeout = "1s"\nstop_timeout = "1s"\n${extra}`;

  test("a preview that sleeps after 2 s: 50 concurrent requests during wake-up are all answered 200", async () => {
    const repo = await createApp(name);
    await repo.commit(files("prod", toml()));
    expect((await repo.push("main")).output).toContain("Live at");
    repo.git("checkout", "-q", "-b", "feature");
    await repo.commit(files("preview", toml(`[preview]\nsleep_after = "2s"\n`)));
    expect((await repo.push("feature")).output).toContain(`Live at http://${preview}`);
    await asleep();
    // Production stays awake: it has no sleep_after of its own.
    expect(await (await viaProxy(pier.httpPort, `${name}.${baseDomain}`)).text()).toBe("prod");

    const sent = performance.now();
    const firstBytes: number[] = [];
    const answers = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const res = await fetch(`http://127.0.0.1:${pier.httpPort}/n/${i}`, {
          headers: { host: preview, connection: "close" },
          signal: AbortSignal.timeout(30_000),
        });
        firstBytes.push(performance.now() - sent);
        return [res.status, await res.text()];
      }),
    );
    expect(answers).toEqual(Array.from({ length: 50 }, () => [200, "preview"]));
    const sorted = firstBytes.sort((a, b) => a - b);
    console.log(
      `wake-up through the proxy (Bun app, 50 requests held): first byte after ${Math.round(sorted[0]!)} ms, last after ${Math.round(sorted.at(-1)!)} ms`,
    );
    expect((await previewEnv())?.status).toBe("live");
  }, 120_000);

  test("a WebSocket upgrade wakes it too", async () => {
    await asleep();
    const ws = new WebSocket(`ws://127.0.0.1:${pier.httpPort}/ws`, {
      headers: { host: preview },
    } as unknown as string[]);
    const opened = await new Promise<boolean>((resolve) => {
      ws.addEventListener("open", () => resolve(true));
      ws.addEventListener("error", () => resolve(false));
    });
    expect(opened).toBe(true);
    const echoed = new Promise<string>((resolve) =>
      ws.addEventListener("message", (e) => resolve(String(e.data))),
    );
    ws.send("hello");
    expect(await echoed).toBe("preview:hello");
    // An open WebSocket keeps it awake past sleep_after.
    await Bun.sleep(3_500);
    expect((await previewEnv())?.status).toBe("live");
    ws.close();
  }, 90_000);
});

describe.skipIf(!ready)("liveness", () => {
  const name = `live${suffix}`;
  const host = `${name}.${baseDomain}`;
  /** Two replicas; /sick makes the one that answers fail its health checks from then on. */
  const files = {
    ...app("x"),
    "pier.toml": `[health]\npath = "/health"\ninterval = "200ms"\nliveness_interval = "300ms"\nliveness_failures = 2\n[deploy]\nreplicas = 2\ntimeout = "20s"\ndrain_timeout = "1s"\nstop_timeout = "1s"\n`,
    "server.ts": `let sick = false;
Bun.serve({ port: Number(process.env.PORT), hostname: process.env.HOST, fetch(req) {
  const path = new URL(req.url).pathname;
  if (path === "/sick") { sick = true; return new Response("now sick"); }
  if (path === "/health") return new Response(sick ? "sick" : "ok", { status: sick ? 500 : 200 });
  return new Response("ok");
} });`,
  };
  const running = async () =>
    (await docker.listContainers({ filters: { label: [`pier.app=${name}`] } }))
      .filter((c) => !c.Labels["pier.one-off"])
      .map((c) => c.Id)
      .sort();

  test("a replica that turns unhealthy is replaced while the other serves: 0 failed requests", async () => {
    const repo = await createApp(name);
    await repo.commit(files);
    expect((await repo.push("main")).output).toContain("Live at");
    const before = await running();
    expect(before).toHaveLength(2);
    const stop = new AbortController();
    let requests = 0;
    const failures: string[] = [];
    const load = Promise.all(
      Array.from({ length: 4 }, async () => {
        while (!stop.signal.aborted) {
          requests++;
          try {
            const res = await fetch(`http://127.0.0.1:${pier.httpPort}/`, { headers: { host } });
            if (res.status !== 200) failures.push(`HTTP ${res.status}`);
            await res.text();
          } catch (error) {
            failures.push((error as Error).message);
          }
        }
      }),
    );
    try {
      expect(await (await viaProxy(pier.httpPort, host, "/sick")).text()).toBe("now sick");
      const after = await waitFor(
        "the sick replica replaced",
        async () => {
          const now = await running();
          return now.length === 2 && now.filter((id) => before.includes(id)).length === 1 && now;
        },
        30_000,
      );
      expect(after).toHaveLength(2);
      await Bun.sleep(500);
    } finally {
      stop.abort();
      await load;
    }
    expect(requests).toBeGreaterThan(50);
    expect(failures).toEqual([]);
    expect(pier.logs()).toContain("unhealthy replica replaced");
  }, 90_000);
});
