/**
 * What the cluster suite and bench/cluster share: the nodes cluster-up.sh made (sockets and pids
 * under PIER_CLUSTER_DIR), pier started as the manager machine's pier, init and joins through
 * the CLI, the multi-arch Bun base pushed into the cluster's registry, apps and load. Both run
 * inside node 1's network and mount namespaces (test/cluster/run.sh, bench/cluster/run.sh).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createDockerClient } from "@pier/deploy";
import type Docker from "dockerode";
import { api, bunAppFiles, waitFor } from "../e2e/deploy-fixtures.ts";
import {
  type CliResult,
  freePort,
  type PierProcess,
  pierBinary,
  repoRoot,
  runCli,
  startPier,
} from "../support/pier-process.ts";

export const clusterDir = process.env.PIER_CLUSTER_DIR ?? "/tmp/pier-cluster-suite";
export const nodeCount = Number(readFileSync(join(clusterDir, "node-count"), "utf8"));
export const baseDomain = "pier.test";
export const armBinary = join(repoRoot, "dist", "pier-linux-arm64");

export const dockerOf = (i: number): Docker =>
  createDockerClient({ socketPath: join(clusterDir, `node${i}.sock`) });
export const nodePid = (i: number) => readFileSync(join(clusterDir, `n${i}`, "dockerd.pid"), "utf8").trim();

/** Runs a command on node `i` (its network, mount and host name), as a user on that machine would. */
export async function onNode(i: number, cmd: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const vars = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  const proc = Bun.spawn(
    ["nsenter", "--target", nodePid(i), "--net", "--mount", "--uts", "--", "env", ...vars, ...cmd],
    {
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}

export interface ClusterPier {
  pier: PierProcess;
  token: string;
  /** `registry.pier.test:<https port>`: what image references start with. */
  registry: string;
  call: ReturnType<typeof api>;
  cli(args: string[]): Promise<CliResult>;
}

/**
 * pier on node 1 (the manager machine), listening on every address of it: nodes pull from its
 * proxy at 10.78.0.11. The HTTPS port is chosen first: image references name the registry with
 * it, and the base image setting must name it before pier starts.
 */
export async function startClusterPier(): Promise<ClusterPier> {
  const token = `pier_cluster${crypto.randomUUID().replaceAll("-", "")}`;
  const httpsPort = freePort();
  const registry = `registry.${baseDomain}:${httpsPort}`;
  const pier = await startPier({
    env: {
      PIER_ADMIN_TOKEN: token,
      DOCKER_HOST: `unix://${join(clusterDir, "node1.sock")}`,
      PIER_CLUSTER_REGISTRY_IMAGE: "pier-base/registry:2",
      // Pushed into the cluster's registry by pushBaseImage, with its arm64 variant.
      PIER_BASE_IMAGE_BUN: `${registry}/pier-base/bun:1`,
    },
    args: [
      "--host",
      "0.0.0.0",
      "--https-port",
      String(httpsPort),
      "--proxy-workers",
      "2",
      "--base-domain",
      baseDomain,
    ],
  });
  return {
    pier,
    token,
    registry,
    call: api(pier.url, token),
    cli: (args) => runCli([...args, "--url", pier.url, "--token", token]),
  };
}

/** `pier cluster join` on nodes 2..N with the command join-command prints, node 4 with the arm64 binary. */
export async function joinNodes(c: ClusterPier, say: (line: string) => void): Promise<CliResult[]> {
  const joinCommand = await c.cli(["cluster", "join-command", "--json"]);
  if (joinCommand.code !== 0) throw new Error(`join-command failed: ${joinCommand.stderr}`);
  const { manager, token, caSha256 } = JSON.parse(joinCommand.stdout) as {
    manager: string;
    token: string;
    caSha256: string;
  };
  const results: CliResult[] = [];
  for (let i = 2; i <= nodeCount; i++) {
    const arm = i === 4;
    const started = performance.now();
    const args = [
      "cluster",
      "join",
      manager,
      "--token",
      token,
      "--registry",
      c.registry,
      "--registry-ca-sha256",
      caSha256,
    ];
    const out = await onNode(i, [arm ? armBinary : pierBinary, ...args], {
      DOCKER_HOST: `unix://${join(clusterDir, `node${i}.sock`)}`,
    });
    say(
      `node ${i} joined${arm ? " (arm64 pier under qemu)" : ""} in ${((performance.now() - started) / 1000).toFixed(1)}s`,
    );
    results.push(out);
  }
  await waitFor("every node ready", async () => {
    const all = await nodes(c);
    return all.length === nodeCount && all.every((n) => n.state === "ready");
  });
  return results;
}

/**
 * The Bun base as a multi-arch image in the cluster's registry (pushed with a pier API token as
 * the password, the manifest list put through the registry API): what a cluster without internet
 * builds from. The native build finds it on node 1 under the same name.
 */
export async function pushBaseImage(c: ClusterPier): Promise<number> {
  const d1 = dockerOf(1);
  const auth = { username: "admin", password: c.token, serveraddress: c.registry };
  const variants: { digest: string; size: number; platform: Record<string, string> }[] = [];
  const wanted = nodeCount >= 4 ? (["amd64", "arm64"] as const) : (["amd64"] as const);
  for (const arch of wanted) {
    const local = arch === "amd64" ? "pier-base/bun:1" : "pier-base/bun:1-arm64";
    await d1.getImage(local).tag({ repo: `${c.registry}/pier-base/bun`, tag: `1-${arch}` });
    const stream = (await d1
      .getImage(`${c.registry}/pier-base/bun`)
      .push({ tag: `1-${arch}`, authconfig: auth } as never)) as unknown as NodeJS.ReadableStream;
    const aux = await new Promise<{ Digest: string; Size: number }>((resolve, reject) => {
      let found: { Digest: string; Size: number } | undefined;
      d1.modem.followProgress(
        stream,
        (error: Error | null) =>
          error ? reject(error) : found ? resolve(found) : reject(new Error("no digest")),
        (e: { aux?: { Digest: string; Size: number }; error?: string }) => {
          if (e.error) reject(new Error(e.error));
          if (e.aux?.Digest) found = e.aux;
        },
      );
    });
    variants.push({
      digest: aux.Digest,
      size: aux.Size,
      platform: { architecture: arch, os: "linux", ...(arch === "arm64" ? { variant: "v8" } : {}) },
    });
  }
  const ca = registryCa(c);
  const tokenRes = await fetch(
    `https://${c.registry}/_pier/registry/token?service=pier-registry&scope=repository:pier-base/bun:pull,push`,
    {
      headers: { authorization: `Basic ${Buffer.from(`admin:${c.token}`).toString("base64")}` },
      tls: { ca },
    },
  );
  if (tokenRes.status !== 200) throw new Error(`token: HTTP ${tokenRes.status}`);
  const bearer = ((await tokenRes.json()) as { token: string }).token;
  const list = await fetch(`https://${c.registry}/v2/pier-base/bun/manifests/1`, {
    method: "PUT",
    headers: {
      authorization: `Bearer ${bearer}`,
      "content-type": "application/vnd.docker.distribution.manifest.list.v2+json",
    },
    body: JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.docker.distribution.manifest.list.v2+json",
      manifests: variants.map((v) => ({
        mediaType: "application/vnd.docker.distribution.manifest.v2+json",
        ...v,
      })),
    }),
    tls: { ca },
  });
  if (list.status !== 201) throw new Error(`manifest list: HTTP ${list.status} ${await list.text()}`);
  await d1.getImage("pier-base/bun:1").tag({ repo: `${c.registry}/pier-base/bun`, tag: "1" });
  return variants.length;
}

/** The cluster CA as `pier cluster init` made this machine's Docker Engine trust it. */
export function registryCa(c: ClusterPier): string {
  return readFileSync(`/etc/docker/certs.d/${c.registry}/ca.crt`, "utf8");
}

export interface NodeView {
  id: string;
  hostname: string;
  state: string;
  availability: string;
  platform: string;
  labels: Record<string, string>;
  replicas: { app: string; upstream: string | null }[];
}

export async function nodes(c: ClusterPier): Promise<NodeView[]> {
  const res = await c.call<{ nodes: NodeView[] }>("GET", "/api/v1/cluster/nodes");
  if (res.status !== 200) throw new Error(`GET /api/v1/cluster/nodes: ${res.status}`);
  return res.body.nodes;
}

/** Node host name -> replicas of `app` running there. */
export async function spread(c: ClusterPier, app: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const n of await nodes(c)) {
    const count = n.replicas.filter((r) => r.app === app).length;
    if (count) out[n.hostname] = count;
  }
  return out;
}

/** A Bun app answering `rN -` on / (what the load counts) and where it runs on /whoami. */
export function clusterApp(version: string, pierToml: string): Record<string, string> {
  const files = bunAppFiles(version, { pierToml });
  files["server.ts"] = files["server.ts"]!.replace(
    `if (url.pathname === "/health")`,
    `if (url.pathname === "/whoami") return new Response(require("node:os").hostname() + " " + process.arch + " " + Bun.spawnSync(["uname", "-m"]).stdout.toString().trim());
    if (url.pathname === "/health")`,
  );
  return files;
}

export const pierToml = (deploy: string) =>
  `[health]\npath = "/health"\ninterval = "200ms"\n[deploy]\ntimeout = "120s"\ndrain_timeout = "2s"\nstop_timeout = "2s"\n${deploy}\n`;

/** The answers of /whoami through pier's proxy, until `want` distinct ones or `tries` requests. */
export async function whoami(c: ClusterPier, host: string, want: number, tries = 40): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < tries && seen.size < want; i++) {
    const res = await fetch(`http://127.0.0.1:${c.pier.httpPort}/whoami`, {
      headers: { host, connection: "close" },
    });
    seen.add(await res.text());
  }
  return seen;
}

export interface Load {
  ok: number;
  failed: number;
  status5xx: number;
  errors: string[];
  bodies: Map<string, number>;
}

/** 4 request loops through pier's proxy until `stop` aborts (at most `maxSeconds`). */
export function load(c: ClusterPier, host: string, stop: AbortSignal, maxSeconds = 120): Promise<Load> {
  const result: Load = { ok: 0, failed: 0, status5xx: 0, errors: [], bodies: new Map() };
  const deadline = Date.now() + maxSeconds * 1000;
  const loop = async () => {
    while (!stop.aborted && Date.now() < deadline) {
      try {
        const res = await fetch(`http://127.0.0.1:${c.pier.httpPort}/`, {
          headers: { host },
          signal: AbortSignal.timeout(10_000),
        });
        const body = await res.text();
        if (res.status === 200) {
          result.ok++;
          result.bodies.set(body, (result.bodies.get(body) ?? 0) + 1);
        } else {
          if (res.status >= 500) result.status5xx++;
          else result.failed++;
          if (result.errors.length < 10) result.errors.push(`HTTP ${res.status}: ${body.slice(0, 100)}`);
        }
      } catch (error) {
        result.failed++;
        if (result.errors.length < 10) result.errors.push((error as Error).message);
      }
    }
  };
  return Promise.all([loop(), loop(), loop(), loop()]).then(() => result);
}

export const failures = (l: Load) => l.failed + l.status5xx;
