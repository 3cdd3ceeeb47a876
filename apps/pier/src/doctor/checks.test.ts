import { describe, expect, test } from "bun:test";
import { createLogger } from "@pier/core";
import { type DoctorOptions, type Finding, type HostProbes, hasFailures, runHostChecks } from "./checks.ts";
import { logFindings, renderFindings } from "./report.ts";

const gib = 1024 ** 3;

function probes(overrides: Partial<HostProbes> = {}): HostProbes {
  return {
    platform: "linux",
    commandVersion: async (command) => (command === "git" ? "git version 2.39.5" : "tar (GNU tar) 1.34"),
    docker: async () => ({ state: "ok", version: "Docker Engine 24.0.7", apiVersion: "1.43" }),
    bind: async () => "free",
    pierAnswers: async () => false,
    unprivilegedPortStart: () => 1024,
    disk: (path) => ({ path, freeBytes: 50 * gib, writable: true }),
    clock: async () => "synchronized",
    now: () => new Date("2026-05-01T00:00:00Z"),
    kernelRelease: () => "6.1.0-18-amd64",
    reusePort: async () => true,
    procSelfReadable: () => true,
    ...overrides,
  };
}

const options: DoctorOptions = {
  dataDir: "/var/lib/pier",
  host: "0.0.0.0",
  httpPort: 80,
  httpsPort: 443,
  consolePort: 7070,
  checkPorts: true,
};

const byId = (findings: Finding[], id: string) => findings.find((finding) => finding.id === id)!;

describe("host checks", () => {
  test("a well-equipped Linux host passes every check", async () => {
    const findings = await runHostChecks(probes(), options);
    expect(findings.map((f) => f.id)).toEqual([
      "git",
      "tar",
      "docker",
      "port-80",
      "port-443",
      "port-7070",
      "disk",
      "clock",
      "kernel",
      "reuseport",
      "proc",
    ]);
    expect(findings.every((f) => f.status === "ok")).toBe(true);
    expect(hasFailures(findings)).toBe(false);
  });

  test("missing git and tar fail, each with how to install it", async () => {
    const findings = await runHostChecks(probes({ commandVersion: async () => null }), options);
    expect(byId(findings, "git")).toMatchObject({
      status: "fail",
      fix: expect.stringContaining("apt-get install git"),
    });
    expect(byId(findings, "git").detail).toContain("http-backend");
    expect(byId(findings, "tar").status).toBe("fail");
    expect(hasFailures(findings)).toBe(true);
  });

  test("Docker: absent, forbidden, too old, broken", async () => {
    const check = async (docker: HostProbes["docker"]) =>
      byId(await runHostChecks(probes({ docker }), options), "docker");
    expect(await check(async () => ({ state: "missing", endpoint: "/var/run/docker.sock" }))).toMatchObject({
      status: "fail",
      fix: expect.stringContaining("systemctl enable --now docker"),
    });
    expect((await check(async () => ({ state: "denied", endpoint: "/var/run/docker.sock" }))).fix).toContain(
      "pier service install",
    );
    expect(
      await check(async () => ({ state: "ok", version: "Docker Engine 19.03.2", apiVersion: "1.40" })),
    ).toMatchObject({ status: "fail", detail: expect.stringContaining("older than pier needs (1.41)") });
    expect((await check(async () => ({ state: "ok", version: "x", apiVersion: "1.41" }))).status).toBe("ok");
    expect(
      (await check(async () => ({ state: "error", endpoint: "tcp://h:2375", message: "timeout" }))).status,
    ).toBe("fail");
  });

  test("ports: taken by someone else fails, taken by pier itself is fine, not bindable by this user warns", async () => {
    const inUse = await runHostChecks(
      probes({ bind: async (_h, port) => (port === 80 ? "in-use" : "free") }),
      options,
    );
    expect(byId(inUse, "port-80")).toMatchObject({
      status: "fail",
      fix: expect.stringContaining("--http-port"),
    });
    const ours = await runHostChecks(
      probes({ bind: async () => "in-use", pierAnswers: async () => true }),
      options,
    );
    expect(byId(ours, "port-443")).toMatchObject({
      status: "ok",
      detail: expect.stringContaining("pier running here"),
    });
    const denied = await runHostChecks(probes({ bind: async () => "denied" }), options);
    expect(byId(denied, "port-80")).toMatchObject({
      status: "warn",
      fix: expect.stringContaining("CAP_NET_BIND_SERVICE"),
    });
    expect(hasFailures(denied)).toBe(false);
  });

  test("pier serve leaves the ports out: it has just bound them", async () => {
    const findings = await runHostChecks(probes({ bind: async () => "in-use" }), {
      ...options,
      checkPorts: false,
    });
    expect(findings.some((f) => f.id.startsWith("port-"))).toBe(false);
  });

  test("disk: under 1 GiB fails, under 5 GiB warns, unwritable fails", async () => {
    const disk = async (freeBytes: number, writable = true) =>
      byId(await runHostChecks(probes({ disk: (path) => ({ path, freeBytes, writable }) }), options), "disk");
    expect((await disk(0.5 * gib)).status).toBe("fail");
    expect((await disk(3 * gib)).status).toBe("warn");
    expect((await disk(30 * gib)).detail).toBe("30.0 GiB free for /var/lib/pier");
    expect(await disk(30 * gib, false)).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("not writable"),
    });
  });

  test("clock: unsynchronized or unknown warns, a date in the past fails, macOS is not asked", async () => {
    const clock = async (overrides: Partial<HostProbes>) =>
      byId(await runHostChecks(probes(overrides), options), "clock");
    expect(await clock({ clock: async () => "unsynchronized" })).toMatchObject({
      status: "warn",
      fix: expect.stringContaining("timedatectl set-ntp true"),
    });
    expect((await clock({ clock: async () => "unknown" })).status).toBe("warn");
    expect((await clock({ now: () => new Date("1970-01-01T00:00:00Z") })).status).toBe("fail");
    let asked = false;
    const mac = await clock({
      platform: "darwin",
      clock: async () => {
        asked = true;
        return "unknown";
      },
    });
    expect(mac.status).toBe("ok");
    expect(asked).toBe(false);
  });

  test("kernel features: old kernels, no SO_REUSEPORT, no /proc; none of it on macOS", async () => {
    const linux = await runHostChecks(
      probes({
        kernelRelease: () => "4.19.0-25-amd64",
        reusePort: async () => false,
        procSelfReadable: () => false,
      }),
      options,
    );
    expect(byId(linux, "kernel").status).toBe("fail");
    expect(byId(linux, "reuseport")).toMatchObject({
      status: "fail",
      fix: expect.stringContaining("--proxy-workers 1"),
    });
    expect(byId(linux, "proc").status).toBe("warn");
    expect(
      byId(await runHostChecks(probes({ kernelRelease: () => "5.4.0-150-generic" }), options), "kernel")
        .status,
    ).toBe("warn");
    const mac = await runHostChecks(probes({ platform: "darwin" }), options);
    expect(mac.some((f) => ["kernel", "reuseport", "proc"].includes(f.id))).toBe(false);
  });
});

describe("reporting", () => {
  test("doctor prints a mark per check and the fix under what is wrong", async () => {
    const findings = await runHostChecks(probes({ commandVersion: async () => null }), options);
    const text = renderFindings(findings);
    expect(text).toContain("✗ git");
    expect(text).toContain("✓ Docker Engine");
    expect(text).toMatch(/\n\s+fix: install git/);
    expect(text).toContain("2 problems to fix (✗), 0 warnings (!).");
    expect(renderFindings(await runHostChecks(probes(), options))).toContain(
      "Everything pier needs is here.",
    );
  });

  test("serve logs one warning line per problem and nothing for what is fine", async () => {
    const lines: string[] = [];
    const logger = createLogger({ format: "json", write: (line) => lines.push(line) });
    const findings = await runHostChecks(
      probes({
        docker: async () => ({ state: "missing", endpoint: "/var/run/docker.sock" }),
        clock: async () => "unknown",
      }),
      { ...options, checkPorts: false },
    );
    logFindings(findings, logger);
    expect(lines).toHaveLength(2);
    const first = JSON.parse(lines[0]!);
    expect(first).toMatchObject({ level: "warn", check: "docker" });
    expect(first.msg).toStartWith("host check: Docker Engine: not reachable");
    expect(first.fix).toContain("docker.io");
  });
});
