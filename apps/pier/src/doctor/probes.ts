import { accessSync, constants, existsSync, readFileSync, statfsSync } from "node:fs";
import { release } from "node:os";
import { dirname } from "node:path";
import type { BindProbe, ClockProbe, DockerProbe, HostProbes } from "./checks.ts";

/** Runs a command with an argument array; its stdout, or null when it is missing or fails. */
async function output(argv: string[], timeoutMs = 3000): Promise<string | null> {
  if (Bun.which(argv[0]!) === null) return null;
  try {
    const child = Bun.spawn(argv, { stdout: "pipe", stderr: "ignore", stdin: "ignore", timeout: timeoutMs });
    const [text, code] = await Promise.all([new Response(child.stdout).text(), child.exited]);
    return code === 0 ? text : null;
  } catch {
    return null;
  }
}

/** Where the Engine API listens, from DOCKER_HOST like the docker CLI. */
function dockerEndpoint(dockerHost: string | undefined): { unix: string } | { url: string } {
  if (!dockerHost) return { unix: "/var/run/docker.sock" };
  if (dockerHost.startsWith("unix://")) return { unix: dockerHost.slice("unix://".length) };
  if (dockerHost.startsWith("tcp://")) return { url: `http://${dockerHost.slice("tcp://".length)}` };
  return { url: dockerHost };
}

async function probeDocker(env: Record<string, string | undefined>): Promise<DockerProbe> {
  const endpoint = dockerEndpoint(env.DOCKER_HOST);
  const shown = "unix" in endpoint ? endpoint.unix : endpoint.url;
  if ("unix" in endpoint && !existsSync(endpoint.unix)) return { state: "missing", endpoint: shown };
  try {
    const response =
      "unix" in endpoint
        ? await fetch("http://docker/version", { unix: endpoint.unix, signal: AbortSignal.timeout(3000) })
        : await fetch(`${endpoint.url}/version`, { signal: AbortSignal.timeout(3000) });
    if (!response.ok) return { state: "error", endpoint: shown, message: `HTTP ${response.status}` };
    const body = (await response.json()) as { Version?: unknown; ApiVersion?: unknown };
    return {
      state: "ok",
      version: typeof body.Version === "string" ? `Docker Engine ${body.Version}` : "Docker Engine",
      apiVersion: typeof body.ApiVersion === "string" ? body.ApiVersion : "0",
    };
  } catch (error) {
    const err = error as Error & { code?: string };
    if (err.code === "EACCES" || /permission denied/i.test(err.message))
      return { state: "denied", endpoint: shown };
    if (err.code === "ENOENT" || err.code === "ECONNREFUSED" || err.code === "FailedToOpenSocket")
      return { state: "missing", endpoint: shown };
    return { state: "error", endpoint: shown, message: err.message };
  }
}

async function probeBind(host: string, port: number): Promise<BindProbe> {
  try {
    const listener = Bun.listen({ hostname: host, port, socket: { data() {} } });
    listener.stop(true);
    return "free";
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "EADDRINUSE") return "in-use";
    if (code === "EACCES" || code === "EPERM") return "denied";
    return { error: (error as Error).message };
  }
}

/** Two servers on one port, as the proxy workers start them (Bun.serve with reusePort). */
async function probeReusePort(): Promise<boolean> {
  const listen = (port: number) =>
    Bun.serve({ hostname: "127.0.0.1", port, reusePort: true, fetch: () => new Response() });
  let first: ReturnType<typeof listen> | undefined;
  try {
    first = listen(0);
    await listen(first.port ?? 0).stop(true);
    return true;
  } catch {
    return false;
  } finally {
    await first?.stop(true);
  }
}

async function probeClock(): Promise<ClockProbe> {
  const timedatectl = await output(["timedatectl", "show", "--property=NTPSynchronized", "--value"]);
  if (timedatectl !== null) return timedatectl.trim() === "yes" ? "synchronized" : "unsynchronized";
  const chrony = await output(["chronyc", "-n", "tracking"]);
  if (chrony !== null) return /Leap status\s*:\s*Normal/.test(chrony) ? "synchronized" : "unsynchronized";
  // systemd-timesyncd touches this file once it has synchronized (also without timedatectl).
  if (existsSync("/run/systemd/timesync/synchronized")) return "synchronized";
  return "unknown";
}

function probeDisk(path: string): { path: string; freeBytes: number; writable: boolean } | null {
  let existing = path;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  try {
    const stats = statfsSync(existing);
    let writable = true;
    try {
      accessSync(existing, constants.W_OK);
    } catch {
      writable = false;
    }
    return { path: existing, freeBytes: Number(stats.bavail) * Number(stats.bsize), writable };
  } catch {
    return null;
  }
}

export function systemProbes(env: Record<string, string | undefined> = process.env): HostProbes {
  return {
    platform: process.platform,
    async commandVersion(command) {
      const text = await output([command, "--version"]);
      return text === null ? null : (text.split("\n")[0] ?? "").trim() || command;
    },
    docker: () => probeDocker(env),
    bind: probeBind,
    async pierAnswers(consolePort) {
      try {
        const response = await fetch(`http://127.0.0.1:${consolePort}/healthz`, {
          signal: AbortSignal.timeout(1000),
        });
        const body = (await response.json()) as { ok?: unknown; version?: unknown };
        return body.ok === true && typeof body.version === "string";
      } catch {
        return false;
      }
    },
    unprivilegedPortStart() {
      try {
        return Number.parseInt(readFileSync("/proc/sys/net/ipv4/ip_unprivileged_port_start", "utf8"), 10);
      } catch {
        return null;
      }
    },
    disk: probeDisk,
    clock: probeClock,
    now: () => new Date(),
    kernelRelease: release,
    reusePort: probeReusePort,
    procSelfReadable() {
      try {
        accessSync("/proc/self/exe", constants.R_OK);
        return true;
      } catch {
        return false;
      }
    },
  };
}
