/**
 * Cluster benchmark (run by bench/cluster/run.sh inside the manager node's namespaces): time from
 * `git push` to live for a 3-replica app on 3 nodes (linux/amd64 only) and for a 4-replica app on 4
 * nodes built for linux/amd64 and linux/arm64 (the arm64 variant under emulation), and the failover
 * after a node's Docker Engine stops under load. Writes the "Cluster" section of docs/performance.md.
 */

import {
  baseDomain,
  type ClusterPier,
  clusterApp,
  failures,
  joinNodes,
  load,
  nodePid,
  nodes,
  pierToml,
  pushBaseImage,
  spread,
  startClusterPier,
  whoami,
} from "../../test/cluster/cluster-fixtures.ts";
import { ScratchRepo, waitFor } from "../../test/e2e/deploy-fixtures.ts";
import { machineLine, writePerformanceSection } from "../support/performance-doc.ts";

const redeploys = Number(process.env.BENCH_CLUSTER_REDEPLOYS ?? 5);
const say = (line: string) => console.log(`[bench-cluster] ${line}`);
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const range = (xs: number[]) => `${s(Math.min(...xs))} – ${s(Math.max(...xs))}`;

async function pushes(c: ClusterPier, app: string, deploy: string, times: number) {
  await c.call("POST", "/api/v1/apps", { name: app });
  const repo = new ScratchRepo(`http://x:${c.token}@127.0.0.1:${c.pier.consolePort}/git/${app}.git`);
  const timings: number[] = [];
  for (let i = 0; i <= times; i++) {
    await repo.commit(clusterApp(`r${i}`, pierToml(deploy)), `release ${i}`);
    const push = await repo.push("main");
    if (!push.output.includes("Live at")) throw new Error(`${app} r${i} did not go live:\n${push.output}`);
    timings.push(push.ms);
    say(`${app} r${i}: ${push.ms} ms`);
  }
  return { first: timings[0]!, again: timings.slice(1) };
}

const c = await startClusterPier();
try {
  await c.cli(["cluster", "init"]);
  await joinNodes(c, say);
  await c.cli(["cluster", "label", "pierc-n4", "pier.network=host"]);
  await pushBaseImage(c);
  const single = await pushes(c, "one", `replicas = 3\nplatforms = ["linux/amd64"]`, redeploys);
  const spreadOne = await spread(c, "one");
  const multi = await pushes(c, "multi", "replicas = 4", Math.max(2, Math.floor(redeploys / 2)));
  const spreadMulti = await spread(c, "multi");

  const host = `one.${baseDomain}`;
  const stop = new AbortController();
  const traffic = load(c, host, stop.signal);
  await Bun.sleep(2000);
  const killedAt = performance.now();
  process.kill(Number(nodePid(3)), "SIGTERM");
  await waitFor(
    "node down",
    async () => (await nodes(c)).find((n) => n.hostname === "pierc-n3" && n.state !== "ready"),
    60_000,
  );
  const downMs = performance.now() - killedAt;
  await waitFor(
    "replicas back",
    async () => {
      const where = await spread(c, "one");
      return !where["pierc-n3"] && Object.values(where).reduce((a, b) => a + b, 0) === 3;
    },
    90_000,
  );
  await waitFor("3 replicas answering", async () => (await whoami(c, host, 3, 20)).size === 3, 60_000);
  const failoverMs = performance.now() - killedAt;
  await Bun.sleep(1000);
  stop.abort();
  const result = await traffic;
  say(
    `failover: down after ${s(downMs)}, serving on 3 replicas after ${s(failoverMs)}, ${failures(result)} failed of ${result.ok + failures(result)}`,
  );

  writePerformanceSection(
    "Cluster",
    `Machine: ${machineLine()}. Command: \`make build dist/pier-linux-arm64 && make bench-cluster\` (bench/cluster/run.sh: the compiled binary as the manager's pier, 2 proxy workers; 3 amd64 dockerds and an arm64 dockerd under qemu-user in network namespaces on this one machine, test/cluster/cluster-up.sh; the machine is shared with other test runs).

Time from \`git push\` start (real git client, smart HTTP) to the push answering "Live at": build on the manager's Engine, push to the cluster's registry through pier's proxy, one Swarm service per release started on the nodes (which pull the image), health check of every replica where it runs, route swap acknowledged by both proxy workers. The first deploy of each app pulls the Bun base image (3 layers, 155 MB) onto every node.

| App | Replicas (nodes) | First deploy | Redeploys: median | Range |
|---|---|---|---|---|
| Bun app, \`platforms = ["linux/amd64"]\` | 3 (${Object.keys(spreadOne).join(", ")}) | ${s(single.first)} | ${s(median(single.again))} (${single.again.length}) | ${range(single.again)} |
| Bun app, linux/amd64 + linux/arm64 (arm64 built under emulation, one manifest list) | 4 (${Object.keys(spreadMulti).join(", ")}) | ${s(multi.first)} | ${s(median(multi.again))} (${multi.again.length}) | ${range(multi.again)} |

Failover: with 4 request loops on the 3-replica app, node pierc-n3's dockerd was stopped (SIGTERM: its containers stop with it). Swarm declared the node down after **${s(downMs)}** (pier sets a 2 s heartbeat at init), pier took its replicas out of the routes at that moment, and all 3 replicas (restarted by Swarm on the other nodes, health-checked by pier) served again **${s(failoverMs)}** after the stop. Requests: ${result.ok} answered, **${failures(result)} failed** (a refused connection to the stopped node is retried on another replica by the proxy).`,
  );
  say("wrote docs/performance.md section Cluster");
} finally {
  await c.pier.stop();
}
