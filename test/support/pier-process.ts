import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { freePort } from "./ports.ts";

export { freePort };

export const repoRoot = resolve(import.meta.dir, "..", "..");
export const pierBinary = process.env.PIER_BINARY ?? join(repoRoot, "dist", "pier");

export interface PierProcess {
  url: string;
  consolePort: number;
  httpPort: number;
  httpsPort: number;
  dataDir: string;
  proc: Subprocess<"ignore", "pipe", "pipe">;
  logs(): string;
  /** The first-run setup code pier wrote to its data dir (what a user copies from the log). */
  setupCode(): string;
  stop(signal?: NodeJS.Signals): Promise<number>;
}

export interface StartPierOptions {
  dataDir?: string;
  /** Added to the test runner's environment; a name set to undefined is taken out of it. */
  env?: Record<string, string | undefined>;
  args?: string[];
  /** Command prefix, e.g. ["qemu-aarch64-static"] to run a foreign-arch binary. */
  runner?: string[];
  binary?: string;
  readyTimeoutMs?: number;
  httpPort?: number;
}

/**
 * Starts the compiled binary on free ports and waits until /healthz answers. A port freePort
 * found can be taken by another suite running beside this one before pier binds it; pier then
 * refuses to start (port_in_use) and this tries again on other ports, up to 3 times.
 */
export async function startPier(options: StartPierOptions = {}): Promise<PierProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startPierOnce(options);
    } catch (error) {
      const portTaken = error instanceof Error && error.message.includes("is in use by another process");
      if (!portTaken || attempt >= 3 || options.httpPort !== undefined) throw error;
    }
  }
}

async function startPierOnce(options: StartPierOptions): Promise<PierProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "pier-e2e-"));
  const consolePort = freePort();
  const httpPort = options.httpPort ?? freePort();
  const httpsPort = freePort();
  const cmd = [
    ...(options.runner ?? []),
    options.binary ?? pierBinary,
    "serve",
    "--data-dir",
    dataDir,
    "--host",
    "127.0.0.1",
    "--console-port",
    String(consolePort),
    "--http-port",
    String(httpPort),
    "--https-port",
    String(httpsPort),
    ...(options.args ?? []),
  ];
  const proc = Bun.spawn(cmd, {
    cwd: dataDir,
    env: Object.fromEntries(
      // Every JSON answer is checked against its route's contract: a drifted schema fails the suite.
      Object.entries({
        ...process.env,
        PIER_LOG_FORMAT: "json",
        PIER_CHECK_RESPONSES: "1",
        // The suites' monitors, webhooks and fake AI providers listen on loopback, which pier's egress
        // policy refuses by default: opened here on purpose (security.e2e.test.ts checks the default).
        PIER_EGRESS_ALLOW: "127.0.0.0/8,::1",
        ...options.env,
      }).filter((entry): entry is [string, string] => entry[1] !== undefined),
    ),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let output = "";
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) output += new TextDecoder().decode(chunk);
  };
  collect(proc.stdout);
  collect(proc.stderr);
  const url = `http://127.0.0.1:${consolePort}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 15_000);
  while (true) {
    if (proc.exitCode !== null)
      throw new Error(`pier exited with ${proc.exitCode} before it was ready:\n${output}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`pier did not answer /healthz in time:\n${output}`);
    }
    await Bun.sleep(25);
  }
  return {
    url,
    consolePort,
    httpPort,
    httpsPort,
    dataDir,
    proc,
    logs: () => output,
    setupCode: () => readFileSync(join(dataDir, "setup-code"), "utf8").trim(),
    async stop(signal = "SIGTERM") {
      if (proc.exitCode === null) proc.kill(signal);
      const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
      const code = await proc.exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/**
 * JSON calls to the API of the pier that `current()` returns (suites start it in beforeAll), as
 * the owner of `token`; an answer other than 2xx throws with its status and body.
 */
export function jsonApi(current: () => PierProcess, token: string) {
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${current().url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path} -> ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the compiled CLI with its own HOME so `pier login` writes into the test's sandbox. */
export async function runCli(
  args: string[],
  env: Record<string, string> = {},
  stdin?: string,
): Promise<CliResult> {
  const proc = Bun.spawn([pierBinary, ...args], {
    env: { ...process.env, ...env },
    stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}
