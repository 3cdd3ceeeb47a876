/**
 * Wake-up benchmark: a Bun app and a static site with `sleep_after = "1s"` are left idle until they
 * sleep, then woken two ways, alternately: by the API's wake call (measured from the call to the
 * first byte of an answer through the proxy), and by a visitor's request alone (the proxy holds it
 * while the app wakes; measured from the request to its first byte).
 * Writes the "Sleeping environments" section of docs/performance.md.
 *
 *   make build && bun bench/runtime/wake.ts        (needs dockerd and pier-base/bun:1)
 */
import { createDockerClient, removeAppContainersAndImages } from "@pier/deploy";
import {
  api,
  baseDomain,
  bunAppFiles,
  deployEnv,
  dockerReady,
  gitRemote,
  ScratchRepo,
  startDeployPier,
  staticSiteFiles,
} from "../../test/e2e/deploy-fixtures.ts";
import { machineLine, writePerformanceSection } from "../support/performance-doc.ts";

const runs = Number(process.env.BENCH_WAKE_RUNS ?? 5);
if (!(await dockerReady())) {
  console.error("bench/runtime/wake needs dockerd and pier-base/bun:1 (scripts/base-images/build.sh)");
  process.exit(1);
}
const token = `pier_bench${crypto.randomUUID().replaceAll("-", "")}`;
const suffix = Date.now().toString(36);
const apps = { bun: `wakebun${suffix}`, site: `wakesite${suffix}` };
const pier = await startDeployPier(token, { proxyWorkers: 2 });
const call = api(pier.url, token);

const sleepToml = (toml: string) =>
  toml.includes("[deploy]")
    ? toml.replace("[deploy]\n", '[deploy]\nsleep_after = "1s"\n')
    : `${toml}[deploy]\nsleep_after = "1s"\n`;

async function sleeping(app: string) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const { body } = await call<{ environments: { name: string; status: string }[] }>(
      "GET",
      `/api/v1/apps/${app}/environments`,
    );
    if (body.environments.find((e) => e.name === "production")?.status === "sleeping") return;
    await Bun.sleep(100);
  }
  throw new Error(`${app} did not fall asleep`);
}

async function measure(kind: "bun" | "site") {
  const app = apps[kind];
  await call("POST", "/api/v1/apps", { name: app });
  const repo = new ScratchRepo(gitRemote(pier, token, app));
  const files = kind === "bun" ? bunAppFiles("v1") : staticSiteFiles("v1");
  await repo.commit({ ...files, "pier.toml": sleepToml(files["pier.toml"]) });
  const push = await repo.push("main");
  if (!push.output.includes("Live at")) throw new Error(push.output);
  const byApi: number[] = [];
  const byRequest: number[] = [];
  const firstByte = async (started: number) => {
    const res = await fetch(`http://127.0.0.1:${pier.httpPort}/`, {
      headers: { host: `${app}.${baseDomain}` },
      signal: AbortSignal.timeout(30_000),
    });
    const reader = res.body!.getReader();
    await reader.read();
    const took = performance.now() - started;
    await reader.cancel();
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    return took;
  };
  for (let i = 0; i < runs; i++) {
    await sleeping(app);
    const started = performance.now();
    const woke = await call("POST", `/api/v1/apps/${app}/environments/production/wake`);
    if (woke.status !== 200) throw new Error(JSON.stringify(woke.body));
    byApi.push(await firstByte(started));
    await sleeping(app);
    byRequest.push(await firstByte(performance.now()));
  }
  return { byApi, byRequest };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ms = (value: number) => `${Math.round(value)} ms`;
try {
  const bun = await measure("bun");
  const site = await measure("site");
  console.log(
    `Bun app: API ${bun.byApi.map(ms).join(", ")}, request ${bun.byRequest.map(ms).join(", ")}; ` +
      `static: API ${site.byApi.map(ms).join(", ")}, request ${site.byRequest.map(ms).join(", ")}`,
  );
  const row = (name: string, times: number[], target: string) =>
    `| ${name} | ${ms(median(times))} | ${ms(Math.min(...times))} – ${ms(Math.max(...times))} | ${target} |`;
  writePerformanceSection(
    "Sleeping environments",
    `Machine: ${machineLine()}. Command: \`make build && bun bench/runtime/wake.ts\` (the compiled binary, 2 proxy workers, Docker Engine on the same machine, base image \`${deployEnv().PIER_BASE_IMAGE_BUN}\`).

An app with \`[deploy] sleep_after = "1s"\` left idle until it sleeps (replicas removed), then woken ${runs} times each way, alternately:

- **by a visitor**: a request through the proxy to the sleeping app, which the proxy holds while it asks the control plane to wake the route (new container started, health-checked every 50 ms, route swap acknowledged by both workers), then forwards; time from sending the request to the first byte of its answer. This is what a visitor waits.
- **by the API**: \`POST /api/v1/apps/:name/environments/production/wake\`, then a request; time from the call to the first byte of that request's answer.

| App | Woken by | Median | Range | Target |
|---|---|---|---|---|
${row("Bun app (Bun.serve, generated Dockerfile) | a visitor's request", bun.byRequest, "< 1.5 s")}
${row("Bun app | the API", bun.byApi, "–")}
${row("Static site (no container) | a visitor's request", site.byRequest, "–")}
${row("Static site | the API", site.byApi, "–")}`,
  );
  console.log("wrote docs/performance.md section Sleeping environments");
} finally {
  await pier.stop();
  const docker = createDockerClient();
  for (const app of Object.values(apps)) await removeAppContainersAndImages(docker, app);
}
