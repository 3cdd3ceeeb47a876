/**
 * Deploy benchmark: time from `git push` start to the new release answering through the proxy,
 * for a small Bun app (warm base image and layer cache) and a static site; then 10 redeploys
 * under constant load. Writes the "Deploy" section of docs/performance.md.
 *
 *   make build && bun bench/deploy/run.ts        (needs dockerd and pier-base/bun:1)
 */
import { createDockerClient, removeAppContainersAndImages } from "@pier/deploy";
import {
  api,
  baseDomain,
  bunAppFiles,
  deployEnv,
  dockerReady,
  gitRemote,
  redeploysUnderLoad,
  ScratchRepo,
  startDeployPier,
  staticSiteFiles,
} from "../../test/e2e/deploy-fixtures.ts";
import { machineLine, writePerformanceSection } from "../support/performance-doc.ts";

const runs = Number(process.env.BENCH_DEPLOY_RUNS ?? 5);
if (!(await dockerReady())) {
  console.error("bench/deploy needs dockerd and pier-base/bun:1 (scripts/base-images/build.sh)");
  process.exit(1);
}

const token = `pier_bench${crypto.randomUUID().replaceAll("-", "")}`;
const suffix = Date.now().toString(36);
const apps = { bun: `benchbun${suffix}`, site: `benchsite${suffix}`, load: `benchload${suffix}` };
const pier = await startDeployPier(token, { proxyWorkers: 2 });
const call = api(pier.url, token);
for (const name of Object.values(apps)) await call("POST", "/api/v1/apps", { name });
const remote = (app: string) => gitRemote(pier, token, app);

/** Push, and poll the proxy every 10 ms until it answers with `expected`: push start -> answer. */
async function pushUntilAnswering(repo: ScratchRepo, host: string, expected: (body: string) => boolean) {
  const started = performance.now();
  const push = repo.push("main");
  let answeredMs = 0;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${pier.httpPort}/`, { headers: { host } });
      if (expected(await res.text())) {
        answeredMs = performance.now() - started;
        break;
      }
    } catch {
      // proxy answering nothing yet
    }
    await Bun.sleep(10);
  }
  const result = await push;
  if (!answeredMs) throw new Error(`never answered:\n${result.output}`);
  return { answeredMs, pushMs: result.ms };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function measure(kind: "bun" | "site") {
  const app = apps[kind];
  const repo = new ScratchRepo(remote(app));
  const host = `${app}.${baseDomain}`;
  // The first deploy warms the layer cache (and is not a redeploy); it is reported apart.
  const files = (i: number) => (kind === "bun" ? bunAppFiles(`v${i}`) : staticSiteFiles(`v${i}`));
  const matches = (i: number) => (body: string) =>
    kind === "bun" ? body === `v${i} -` : body.includes(`<h1>v${i}</h1>`);
  await repo.commit(files(0));
  const first = await pushUntilAnswering(repo, host, matches(0));
  const times: number[] = [];
  for (let i = 1; i <= runs; i++) {
    await repo.commit(files(i));
    times.push((await pushUntilAnswering(repo, host, matches(i))).answeredMs);
  }
  return { first: first.answeredMs, times };
}

try {
  const bun = await measure("bun");
  const site = await measure("site");
  console.log(`Bun app: first ${fmt(bun.first)}, redeploys ${bun.times.map(fmt).join(", ")}`);
  console.log(`static: first ${fmt(site.first)}, redeploys ${site.times.map(fmt).join(", ")}`);

  const { load: zdt } = await redeploysUnderLoad({
    repo: new ScratchRepo(remote(apps.load)),
    httpPort: pier.httpPort,
    host: `${apps.load}.${baseDomain}`,
    times: 10,
    maxSeconds: 180,
  });
  console.log(
    `zero-downtime: ${zdt.requests} requests, failed ${zdt.failed}, 5xx ${zdt.status5xx}, unexpected ${zdt.unexpected}`,
  );

  const row = (name: string, target: string, r: { first: number; times: number[] }) =>
    `| ${name} | ${fmt(median(r.times))} | ${fmt(Math.min(...r.times))} – ${fmt(Math.max(...r.times))} | ${fmt(r.first)} | ${target} |`;
  writePerformanceSection(
    "Deploy",
    `Machine: ${machineLine()}. Command: \`make build && bun bench/deploy/run.ts\` (the compiled binary, 2 proxy workers, Docker Engine on the same machine, base image \`${deployEnv().PIER_BASE_IMAGE_BUN}\` already built).

Time from \`git push\` start (real git client, smart HTTP) to the new release answering through the proxy
(polled every 10 ms with the app's Host header). ${runs} redeploys each; the first deploy of each app
(cold layer cache for the app) is shown apart.

| App | Median | Range | First deploy | Target |
|---|---|---|---|---|
${row("Bun app (package.json + server.ts, generated Dockerfile)", "< 5 s", bun)}
${row("Static site (index.html, no container)", "< 1 s", site)}

Zero-downtime: 4 concurrent request loops (keep-alive, loopback) through the proxy against one app
while it was redeployed 10 times with \`git push\` (health check on /health, route swap acknowledged by
both workers, 1 s drain, SIGTERM): **${zdt.requests} requests in ${zdt.seconds.toFixed(1)} s
(${Math.round(zdt.requests / zdt.seconds)} req/s), ${zdt.failed} failed, ${zdt.status5xx} 5xx, ${zdt.unexpected} wrong bodies**;
${zdt.bodies.size} releases answered. The same scenario is asserted by \`test/e2e/deploy-zero-downtime.e2e.test.ts\`.`,
  );
  console.log("wrote docs/performance.md section Deploy");
} finally {
  await pier.stop();
  const docker = createDockerClient();
  for (const app of Object.values(apps)) {
    await removeAppContainersAndImages(docker, app);
  }
}
