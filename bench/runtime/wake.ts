/**
 * Wake-up benchmark: a Bun app and a static site with `sleep_after = "1s"` are left idle until they
 * sleep, then woken; measured from the wake call to the first byte of an answer through the proxy.
 * The proxy side (holding a visitor's request while the app wakes) adds its own hand-off on top.
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
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    await sleeping(app);
    const started = performance.now();
    const woke = await call("POST", `/api/v1/apps/${app}/environments/production/wake`);
    if (woke.status !== 200) throw new Error(JSON.stringify(woke.body));
    const res = await fetch(`http://127.0.0.1:${pier.httpPort}/`, {
      headers: { host: `${app}.${baseDomain}` },
    });
    const reader = res.body!.getReader();
    await reader.read();
    times.push(performance.now() - started);
    await reader.cancel();
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
  }
  return times;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ms = (value: number) => `${Math.round(value)} ms`;
try {
  const bun = await measure("bun");
  const site = await measure("site");
  console.log(`Bun app: ${bun.map(ms).join(", ")}; static: ${site.map(ms).join(", ")}`);
  const row = (name: string, times: number[], target: string) =>
    `| ${name} | ${ms(median(times))} | ${ms(Math.min(...times))} – ${ms(Math.max(...times))} | ${target} |`;
  writePerformanceSection(
    "Sleeping environments",
    `Machine: ${machineLine()}. Command: \`make build && bun bench/runtime/wake.ts\` (the compiled binary, 2 proxy workers, Docker Engine on the same machine, base image \`${deployEnv().PIER_BASE_IMAGE_BUN}\`).

An app with \`[deploy] sleep_after = "1s"\` left idle until it sleeps (replicas removed), then woken with
\`POST /api/v1/apps/:name/environments/production/wake\`: time from the call to the first byte of an
answer through the proxy (new container started, health-checked every 50 ms, route swap acknowledged
by both workers). ${runs} wake-ups each. A visitor's request held by the proxy while the app wakes
waits this long plus the proxy's own hand-off.

| App | Median | Range | Target |
|---|---|---|---|
${row("Bun app (Bun.serve, generated Dockerfile)", bun, "< 1.5 s")}
${row("Static site (no container)", site, "–")}`,
  );
  console.log("wrote docs/performance.md section Sleeping environments");
} finally {
  await pier.stop();
  const docker = createDockerClient();
  for (const app of Object.values(apps)) await removeAppContainersAndImages(docker, app);
}
