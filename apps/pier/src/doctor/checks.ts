/**
 * What pier needs from its host, as pure checks over injected probes: `pier doctor` prints them,
 * install.sh runs it after installing, and `pier serve` logs the problems at start. Each finding
 * says what was found and, when something is wrong, how to fix it.
 */

export type FindingStatus = "ok" | "warn" | "fail";

export interface Finding {
  id: string;
  title: string;
  status: FindingStatus;
  detail: string;
  fix?: string;
}

export type DockerProbe =
  | { state: "ok"; version: string; apiVersion: string }
  | { state: "missing"; endpoint: string }
  | { state: "denied"; endpoint: string }
  | { state: "error"; endpoint: string; message: string };

export type BindProbe = "free" | "in-use" | "denied" | { error: string };

export type ClockProbe = "synchronized" | "unsynchronized" | "unknown";

/** Everything the checks look at; the real ones are in probes.ts, tests pass their own. */
export interface HostProbes {
  platform: string;
  /** `git --version` / `tar --version` first line, or null when the command is not on PATH. */
  commandVersion(command: "git" | "tar"): Promise<string | null>;
  docker(): Promise<DockerProbe>;
  bind(host: string, port: number): Promise<BindProbe>;
  /** Whether a pier answers /healthz on this console port (so a port in use may be its own). */
  pierAnswers(consolePort: number): Promise<boolean>;
  /** The lowest port an unprivileged process may bind (Linux sysctl), or null when unknown. */
  unprivilegedPortStart(): number | null;
  /** Free bytes for this user on the disk holding `path` (or its nearest existing parent), and whether it is writable. */
  disk(path: string): { path: string; freeBytes: number; writable: boolean } | null;
  clock(): Promise<ClockProbe>;
  now(): Date;
  kernelRelease(): string;
  reusePort(): Promise<boolean>;
  procSelfReadable(): boolean;
}

export interface DoctorOptions {
  dataDir: string;
  /** The address pier's listeners bind (`--host`). */
  host: string;
  httpPort: number;
  httpsPort: number;
  consolePort: number;
  /** `pier serve` checks before it binds its own ports, so it leaves them out. */
  checkPorts: boolean;
}

/** Docker Engine 20.10 speaks API 1.41; pier's deploy engine uses nothing newer. */
export const minDockerApi = "1.41";
const gib = 1024 ** 3;
export const diskFailBelow = 1 * gib;
export const diskWarnBelow = 5 * gib;

function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map((n) => Number.parseInt(n, 10) || 0);
  const pb = b.split(".").map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return Math.sign(diff);
  }
  return 0;
}

const installHint: Record<"git" | "tar", string> = {
  git: "install git (Debian/Ubuntu: apt-get install git; Fedora: dnf install git; macOS: xcode-select --install)",
  tar: "install tar (Debian/Ubuntu: apt-get install tar; Fedora: dnf install tar)",
};

async function commandFinding(probes: HostProbes, command: "git" | "tar", why: string): Promise<Finding> {
  const version = await probes.commandVersion(command);
  return version
    ? { id: command, title: command, status: "ok", detail: version }
    : {
        id: command,
        title: command,
        status: "fail",
        detail: `not found on PATH (${why})`,
        fix: installHint[command],
      };
}

export function dockerFinding(probe: DockerProbe): Finding {
  const title = "Docker Engine";
  switch (probe.state) {
    case "ok":
      return compareVersions(probe.apiVersion, minDockerApi) >= 0
        ? { id: "docker", title, status: "ok", detail: `${probe.version} (API ${probe.apiVersion})` }
        : {
            id: "docker",
            title,
            status: "fail",
            detail: `${probe.version} speaks API ${probe.apiVersion}, older than pier needs (${minDockerApi})`,
            fix: "upgrade Docker Engine to 20.10 or later (Debian/Ubuntu: apt-get install docker.io)",
          };
    case "missing":
      return {
        id: "docker",
        title,
        status: "fail",
        detail: `not reachable at ${probe.endpoint}: apps with a Dockerfile or a runtime cannot be built or run (static sites still work)`,
        fix: "install Docker Engine (Debian/Ubuntu: apt-get install docker.io) and start it (systemctl enable --now docker), or set DOCKER_HOST",
      };
    case "denied":
      return {
        id: "docker",
        title,
        status: "fail",
        detail: `this user may not use ${probe.endpoint}`,
        fix: "run pier as the systemd service (pier service install gives it the socket's group), or add this user to the docker group (usermod -aG docker USER, then log in again)",
      };
    case "error":
      return {
        id: "docker",
        title,
        status: "fail",
        detail: `${probe.endpoint} did not answer: ${probe.message}`,
        fix: "check that dockerd is running (systemctl status docker) and DOCKER_HOST, if set, is right",
      };
  }
}

async function portFinding(
  probes: HostProbes,
  port: number,
  purpose: string,
  flag: string,
  options: DoctorOptions,
): Promise<Finding> {
  const id = `port-${port}`;
  const title = `port ${port}`;
  const result = await probes.bind(options.host, port);
  if (result === "free") return { id, title, status: "ok", detail: `free (${purpose})` };
  if (result === "in-use") {
    if (await probes.pierAnswers(options.consolePort))
      return { id, title, status: "ok", detail: `in use by the pier running here (${purpose})` };
    return {
      id,
      title,
      status: "fail",
      detail: `in use by another program (${purpose})`,
      fix: `stop what listens there (find it with: ss -ltnp 'sport = :${port}'), or give pier another port with ${flag}`,
    };
  }
  if (result === "denied") {
    const start = probes.unprivilegedPortStart();
    return {
      id,
      title,
      status: "warn",
      detail: `this user may not bind it (ports below ${start ?? 1024} need a privilege) (${purpose})`,
      fix: `run pier as the systemd service (pier service install grants CAP_NET_BIND_SERVICE) or as root, or use ${flag} with a port of 1024 or more`,
    };
  }
  return { id, title, status: "fail", detail: `cannot be bound: ${result.error} (${purpose})` };
}

function diskFinding(probes: HostProbes, dataDir: string): Finding {
  const disk = probes.disk(dataDir);
  const title = "disk";
  if (!disk)
    return { id: "disk", title, status: "warn", detail: `could not read the free space for ${dataDir}` };
  const free = `${(disk.freeBytes / gib).toFixed(1)} GiB free for ${dataDir}`;
  if (!disk.writable)
    return {
      id: "disk",
      title,
      status: "fail",
      detail: `${disk.path} is not writable by this user (${free})`,
      fix: `run pier as the user that owns ${disk.path}, or choose another --data-dir`,
    };
  if (disk.freeBytes < diskFailBelow)
    return {
      id: "disk",
      title,
      status: "fail",
      detail: `only ${free}: builds, images and the database need room`,
      fix: `free space on the disk holding ${disk.path} (docker system prune removes unused images), or choose another --data-dir`,
    };
  if (disk.freeBytes < diskWarnBelow)
    return {
      id: "disk",
      title,
      status: "warn",
      detail: `${free}: a few builds will fill it`,
      fix: `free space on the disk holding ${disk.path}, or choose another --data-dir`,
    };
  return { id: "disk", title, status: "ok", detail: free };
}

async function clockFinding(probes: HostProbes): Promise<Finding> {
  const title = "clock";
  // Certificates and ACME orders carry dates: a clock far in the past breaks every TLS handshake.
  if (probes.now().getUTCFullYear() < 2025)
    return {
      id: "clock",
      title,
      status: "fail",
      detail: `the clock says ${probes.now().toISOString()}`,
      fix: "set the time (timedatectl set-ntp true, or install chrony) before starting pier",
    };
  if (probes.platform === "darwin")
    return { id: "clock", title, status: "ok", detail: "kept by macOS (not checked)" };
  const state = await probes.clock();
  if (state === "synchronized") return { id: "clock", title, status: "ok", detail: "synchronized (NTP)" };
  return {
    id: "clock",
    title,
    status: "warn",
    detail:
      state === "unsynchronized"
        ? "not synchronized: Let's Encrypt certificates and TLS need an accurate clock"
        : "could not tell whether the clock is synchronized (no timedatectl or chronyc)",
    fix: "keep the clock in sync: timedatectl set-ntp true (systemd-timesyncd), or install chrony",
  };
}

function kernelVersionFinding(release: string): Finding {
  const title = "kernel";
  const [major = 0, minor = 0] = release.split(/[.-]/).map((n) => Number.parseInt(n, 10) || 0);
  const version = major * 1000 + minor;
  // Bun, and so pier, needs Linux 5.1; 5.6 is what it is tested on.
  if (version < 5001)
    return {
      id: "kernel",
      title,
      status: "fail",
      detail: `Linux ${release} is older than 5.1, which pier's runtime needs`,
      fix: "upgrade the kernel (or the distribution) to Linux 5.6 or later",
    };
  if (version < 5006)
    return {
      id: "kernel",
      title,
      status: "warn",
      detail: `Linux ${release}: 5.6 or later is recommended`,
      fix: "upgrade the kernel to 5.6 or later",
    };
  return { id: "kernel", title, status: "ok", detail: `Linux ${release}` };
}

/** Runs every check that applies to this host, in the order they are printed. */
export async function runHostChecks(probes: HostProbes, options: DoctorOptions): Promise<Finding[]> {
  const findings: Finding[] = [];
  findings.push(await commandFinding(probes, "git", "git push deploys run git's http-backend"));
  findings.push(await commandFinding(probes, "tar", "build contexts and releases are unpacked with it"));
  findings.push(dockerFinding(await probes.docker()));
  if (options.checkPorts) {
    findings.push(await portFinding(probes, options.httpPort, "proxy, HTTP", "--http-port", options));
    findings.push(await portFinding(probes, options.httpsPort, "proxy, HTTPS", "--https-port", options));
    findings.push(await portFinding(probes, options.consolePort, "console", "--console-port", options));
  }
  findings.push(diskFinding(probes, options.dataDir));
  findings.push(await clockFinding(probes));
  if (probes.platform === "linux") {
    findings.push(kernelVersionFinding(probes.kernelRelease()));
    findings.push(
      (await probes.reusePort())
        ? {
            id: "reuseport",
            title: "SO_REUSEPORT",
            status: "ok",
            detail: "proxy workers can share the ports",
          }
        : {
            id: "reuseport",
            title: "SO_REUSEPORT",
            status: "fail",
            detail: "two sockets cannot share a port: the proxy workers need it",
            fix: "run pier with --proxy-workers 1, or on a kernel with SO_REUSEPORT (Linux 3.9+)",
          },
    );
    findings.push(
      probes.procSelfReadable()
        ? { id: "proc", title: "/proc", status: "ok", detail: "mounted" }
        : {
            id: "proc",
            title: "/proc",
            status: "warn",
            detail: "/proc/self is not readable: pier cannot restart itself with its allocator settings",
            fix: "mount /proc (mount -t proc proc /proc), or set the variables the serve log names",
          },
    );
  }
  return findings;
}

export function hasFailures(findings: Finding[]): boolean {
  return findings.some((finding) => finding.status === "fail");
}
