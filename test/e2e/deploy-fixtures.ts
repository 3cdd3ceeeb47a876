/**
 * Shared by the deploy e2e suites and bench/deploy: a scratch git repo of a tiny app, pushes with
 * the real git client, API calls, requests through the proxy with a Host header.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDockerClient, isDockerAvailable } from "@pier/deploy";
import { requireService } from "@pier/testkit";
import { type PierProcess, startPier } from "../support/pier-process.ts";

export const baseDomain = "pier.test";

/**
 * What keeps the deploy suites from running: the Docker Engine or the local Bun base image
 * missing, else null. CI provides both (.ci/run + scripts/base-images/build.sh).
 */
async function dockerMissing(): Promise<string | null> {
  const docker = createDockerClient();
  if (!(await isDockerAvailable(docker))) return "the Docker Engine is not reachable";
  const image = process.env.PIER_BASE_IMAGE_BUN || "pier-base/bun:1";
  const present = await docker
    .getImage(image)
    .inspect()
    .then(
      () => true,
      () => false,
    );
  return present ? null : `the image ${image} is missing`;
}

/** Docker and the local Bun base image are there (for bench/deploy, which just stops without). */
export async function dockerReady(): Promise<boolean> {
  return (await dockerMissing()) === null;
}

/** Docker and the base image through requireService: false skips a suite on a laptop, in CI it throws. */
export async function requireDocker(): Promise<boolean> {
  return requireService(
    "the Docker Engine with the Bun base image",
    await dockerMissing(),
    "Start dockerd and build the base images with scripts/base-images/build.sh.",
  );
}

export const deployEnv = () => ({
  PIER_BASE_IMAGE_BUN: process.env.PIER_BASE_IMAGE_BUN || "pier-base/bun:1",
});

/** The compiled binary as the deploy suites run it: `token` is the admin's, apps live under baseDomain. */
export function startDeployPier(
  token: string,
  options: { proxyWorkers: number; dataDir?: string },
): Promise<PierProcess> {
  return startPier({
    dataDir: options.dataDir,
    env: { PIER_ADMIN_TOKEN: token, ...deployEnv() },
    args: ["--proxy-workers", String(options.proxyWorkers), "--base-domain", baseDomain],
  });
}

/** An app's smart-HTTP git remote on `pier`, authenticated with `token`. */
export const gitRemote = (pier: PierProcess, token: string, app: string) =>
  `http://x:${token}@127.0.0.1:${pier.consolePort}/git/${app}.git`;

/** A Bun app answering `VERSION MESSAGE` on every path; /health follows HEALTH (default ok); /slow?ms=N answers `slow VERSION` after N ms. */
export function bunAppFiles(
  version: string,
  options: { healthy?: boolean; pierToml?: string; startDelayMs?: number } = {},
) {
  const healthy = options.healthy ?? true;
  return {
    "package.json": JSON.stringify({ name: "e2e-app", scripts: { start: "bun server.ts" } }),
    "bunfig.toml": "",
    "pier.toml":
      options.pierToml ??
      `[health]\npath = "/health"\ninterval = "200ms"\n[deploy]\ntimeout = "20s"\ndrain_timeout = "1s"\nstop_timeout = "2s"\n`,
    "server.ts": `
const version = ${JSON.stringify(version)};
await Bun.sleep(${options.startDelayMs ?? 0});
Bun.serve({
  port: Number(process.env.PORT),
  hostname: process.env.HOST,
  async fetch(req) {
    const url = new URL(req.url);
    if (url.pathname === "/slow") {
      await Bun.sleep(Number(url.searchParams.get("ms") ?? 1000));
      return new Response("slow " + version);
    }
    if (url.pathname === "/env") {
      const keys = ["SENTRY_DSN", "SENTRY_RELEASE", "SENTRY_ENVIRONMENT", "OPENAI_BASE_URL", "OPENAI_API_KEY", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_SERVICE_NAME"];
      return Response.json(Object.fromEntries(keys.map((k) => [k, process.env[k] ?? null])));
    }
    if (url.pathname === "/health") return new Response(${healthy ? '"ok"' : '"broken", { status: 500 }'}, { status: ${healthy ? 200 : 500} });
    return new Response(version + " " + (process.env.MESSAGE ?? "-"));
  },
});
console.log("listening", version);
`,
  };
}

export function staticSiteFiles(title: string) {
  return {
    "index.html": `<!doctype html><title>${title}</title><h1>${title}</h1>`,
    "app.css": `body { font-family: sans-serif; }\n`.repeat(100),
    "pier.toml": `[static]\nspa = true\n[health]\ninterval = "100ms"\n[deploy]\ndrain_timeout = "200ms"\n`,
  };
}

export class ScratchRepo {
  readonly dir: string;
  private readonly env: Record<string, string | undefined>;

  constructor(readonly remote: string) {
    this.dir = mkdtempSync(join(tmpdir(), "pier-e2e-repo-"));
    this.env = {
      ...process.env,
      HOME: this.dir,
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_TERMINAL_PROMPT: "0",
    };
    this.git("init", "-q", "-b", "main");
  }

  git(...args: string[]): string {
    const result = Bun.spawnSync(["git", "-c", "user.name=e2e", "-c", "user.email=e2e@pier.test", ...args], {
      cwd: this.dir,
      env: this.env,
    });
    if (result.exitCode !== 0) throw new Error(`git ${args.join(" ")} failed: ${result.stderr.toString()}`);
    return result.stdout.toString();
  }

  async commit(files: Record<string, string>, message = "change"): Promise<string> {
    for (const [path, text] of Object.entries(files)) await Bun.write(join(this.dir, path), text);
    this.git("add", "-A");
    this.git("commit", "-q", "--allow-empty", "-m", message);
    return this.git("rev-parse", "HEAD").trim();
  }

  /** The real git client over smart HTTP; resolves with everything it printed. */
  async push(refspec = "main", extra: string[] = []): Promise<{ code: number; output: string; ms: number }> {
    const started = performance.now();
    const proc = Bun.spawn(["git", "push", ...extra, this.remote, refspec], {
      cwd: this.dir,
      env: this.env,
      stdout: "pipe",
      stderr: "pipe",
    });
    const [out, err, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    return { code, output: out + err, ms: Math.round(performance.now() - started) };
  }
}

export function api(url: string, token: string) {
  return async <T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // text/plain answers (logs)
    }
    return { status: res.status, body: parsed as T };
  };
}

/** GET through the proxy with a Host header; a fresh connection each time. */
export async function viaProxy(
  httpPort: number,
  host: string,
  path = "/",
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`http://127.0.0.1:${httpPort}${path}`, { headers: { ...headers, host, connection: "close" } });
}

export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await Bun.sleep(100);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
}

export interface LoadResult {
  requests: number;
  ok: number;
  failed: number;
  status5xx: number;
  /** Responses whose body was not one of the expected ones (a wrong app or an error page). */
  unexpected: number;
  seconds: number;
  bodies: Map<string, number>;
  errors: string[];
}

/**
 * Constant, bounded load through the proxy: `loops` concurrent request loops against one host,
 * until `stop` aborts or a cap (requests, seconds) is reached. Loopback only.
 */
async function runLoad(options: {
  httpPort: number;
  host: string;
  loops: number;
  stop: AbortSignal;
  maxRequests?: number;
  maxSeconds?: number;
  accept?: (body: string) => boolean;
}): Promise<LoadResult> {
  const result: LoadResult = {
    requests: 0,
    ok: 0,
    failed: 0,
    status5xx: 0,
    unexpected: 0,
    seconds: 0,
    bodies: new Map(),
    errors: [],
  };
  const maxRequests = options.maxRequests ?? 500_000;
  const deadline = Date.now() + (options.maxSeconds ?? 300) * 1000;
  const started = performance.now();
  const loop = async () => {
    while (!options.stop.aborted && result.requests < maxRequests && Date.now() < deadline) {
      result.requests++;
      try {
        const res = await fetch(`http://127.0.0.1:${options.httpPort}/`, { headers: { host: options.host } });
        const body = await res.text();
        if (res.status >= 500) {
          result.status5xx++;
          const detail = /could not be reached: ([^<]*)/.exec(body)?.[1] ?? body.slice(0, 120);
          if (result.errors.length < 10) result.errors.push(`HTTP ${res.status}: ${detail}`);
        } else if (options.accept && !options.accept(body)) {
          result.unexpected++;
          if (result.errors.length < 10) result.errors.push(`unexpected body: ${body.slice(0, 120)}`);
        } else {
          result.ok++;
          result.bodies.set(body, (result.bodies.get(body) ?? 0) + 1);
        }
      } catch (error) {
        result.failed++;
        if (result.errors.length < 10) result.errors.push((error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: options.loops }, loop));
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

/** Redeploys an app `times` times with git push (a new version each time); returns push times. */
async function redeployRepeatedly(
  repo: ScratchRepo,
  times: number,
  files: (i: number) => Record<string, string>,
) {
  const pushes: number[] = [];
  for (let i = 1; i <= times; i++) {
    await repo.commit(files(i), `release ${i}`);
    const push = await repo.push("main");
    if (push.code !== 0 || !push.output.includes("Live at")) {
      throw new Error(`redeploy ${i} did not go live:\n${push.output}`);
    }
    pushes.push(push.ms);
  }
  return pushes;
}

/**
 * The zero-downtime scenario of test/e2e/deploy-zero-downtime and bench/deploy: a first release
 * (r0), then `times` redeploys (r1, r2, ...) with git push while 4 request loops run through the
 * proxy, accepting only `rN -` answers.
 */
export async function redeploysUnderLoad(options: {
  repo: ScratchRepo;
  httpPort: number;
  host: string;
  times: number;
  maxSeconds: number;
  /** The app of release `rN` (default bunAppFiles); it answers `rN -` on / like bunAppFiles. */
  files?: (version: string) => Record<string, string>;
}): Promise<{ load: LoadResult; pushes: number[] }> {
  const files = options.files ?? ((version: string) => bunAppFiles(version));
  await redeployRepeatedly(options.repo, 1, () => files("r0"));
  const stop = new AbortController();
  const load = runLoad({
    httpPort: options.httpPort,
    host: options.host,
    loops: 4,
    stop: stop.signal,
    maxSeconds: options.maxSeconds,
    accept: (body) => /^r\d+ -$/.test(body),
  });
  let pushes: number[] = [];
  try {
    pushes = await redeployRepeatedly(options.repo, options.times, (i) => files(`r${i}`));
    await Bun.sleep(500);
  } finally {
    stop.abort();
  }
  return { load: await load, pushes };
}
