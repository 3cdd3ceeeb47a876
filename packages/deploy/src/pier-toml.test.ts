import { describe, expect, test } from "bun:test";
import { PierTomlError } from "./errors.ts";
import { defaultPierConfig, parsePierToml } from "./pier-toml.ts";

function parseError(text: string): PierTomlError {
  try {
    parsePierToml(text);
  } catch (error) {
    if (error instanceof PierTomlError) return error;
    throw error;
  }
  throw new Error("expected a PierTomlError");
}

describe("parsePierToml", () => {
  test("empty file gives every default", () => {
    expect(parsePierToml("")).toEqual(defaultPierConfig);
    expect(defaultPierConfig.health).toEqual({
      path: "/",
      interval: 1000,
      timeout: 5000,
      liveness: true,
      liveness_interval: 10_000,
      liveness_failures: 3,
    });
    expect(defaultPierConfig.deploy.replicas).toBe(1);
  });

  test("reads every section and converts units", () => {
    const config = parsePierToml(`
[health]
path = "/healthz"
interval = "500ms"
timeout = 2

[deploy]
replicas = 3
drain_timeout = "1m"
port = 8080

[build]
dockerfile = "docker/Dockerfile"
args = { NODE_VERSION = 22, DEBUG = true }

[resources]
memory = "512m"
cpus = 0.5

[env]
LOG_LEVEL = "info"
WORKERS = 4
`);
    expect(config.health).toMatchObject({ path: "/healthz", interval: 500, timeout: 2000 });
    expect(config.deploy).toMatchObject({ replicas: 3, drain_timeout: 60_000, port: 8080 });
    expect(config.build.args).toEqual({ NODE_VERSION: "22", DEBUG: "true" });
    expect(config.resources).toEqual({ memory: 512 * 1024 * 1024, cpus: 0.5, pids: 1024 });
    expect(config.env).toEqual({ LOG_LEVEL: "info", WORKERS: "4" });
  });

  test('replicas are capped by default (1 GiB, 1024 processes), lifted with memory = "none"', () => {
    expect(parsePierToml("").resources).toEqual({ memory: 1024 ** 3, pids: 1024 });
    expect(parsePierToml(`[resources]\nmemory = "none"\npids = 64`).resources).toEqual({
      memory: null,
      pids: 64,
    });
    expect(parseError(`[resources]\npids = 2`).field).toBe("resources.pids");
  });

  test("user and read_only run the replica as someone else on a read-only root", () => {
    const { deploy } = parsePierToml(`[deploy]\nuser = "1000:1000"\nread_only = true`);
    expect(deploy).toMatchObject({ user: "1000:1000", read_only: true });
    expect(parsePierToml("").deploy).toMatchObject({ read_only: false });
    expect(parsePierToml("").deploy.user).toBeUndefined();
    expect(parseError(`[deploy]\nuser = "root; rm -rf /"`).field).toBe("deploy.user");
  });

  test("a bad value names the field and its line", () => {
    const error = parseError(`[health]\npath = "/h"\n\n[deploy]\nreplicas = 0\n`);
    expect(error.field).toBe("deploy.replicas");
    expect(error.line).toBe(5);
    expect(error.code).toBe("PIER_TOML_INVALID");
    expect(error.message).toContain("line 5");
  });

  test("a malformed duration explains the expected format", () => {
    const error = parseError(`[health]\ninterval = "fast"\n`);
    expect(error.field).toBe("health.interval");
    expect(error.line).toBe(2);
    expect(error.message).toContain('"2s"');
  });

  test("an unknown field is refused with the known ones listed", () => {
    const error = parseError(`[deploy]\nreplicas = 2\nreplcas = 3\n`);
    expect(error.field).toBe("deploy.replcas");
    expect(error.line).toBe(3);
    expect(error.message).toContain("replicas");
    expect(parseError(`[helth]\npath = "/"\n`).field).toBe("helth");
  });

  test("dotted keys are located too", () => {
    expect(parseError(`health.path = "nope"\n`)).toMatchObject({ field: "health.path", line: 1 });
  });

  test("health path must be absolute, memory must fit Docker's minimum, env names must be valid", () => {
    expect(parseError(`[health]\npath = "health"`).field).toBe("health.path");
    expect(parseError(`[resources]\nmemory = "1m"`).field).toBe("resources.memory");
    expect(parseError(`[env]\n"BAD-NAME" = "x"`).field).toBe("env.BAD-NAME");
  });

  test("build paths cannot leave the repository", () => {
    expect(parseError(`[build]\ncontext = "../other"`).field).toBe("build.context");
    expect(parseError(`[build]\ndockerfile = "/etc/passwd"`).field).toBe("build.dockerfile");
  });

  test("TOML syntax errors are reported as PierTomlError", () => {
    const error = parseError(`[deploy]\nreplicas = = 2\n`);
    expect(error.message).toContain("not valid TOML");
  });

  test("release command, sleep and liveness settings", () => {
    const config = parsePierToml(`
[health]
liveness_interval = "2s"
liveness_failures = 5

[deploy]
release_command = "bun run migrate"
release_timeout = "2m"
sleep_after = "1h"

[preview]
sleep_after = "30m"
`);
    expect(config.deploy.release_command).toBe("bun run migrate");
    expect(config.deploy.release_timeout).toBe(120_000);
    expect(config.deploy.sleep_after).toBe(3_600_000);
    expect(config.preview.sleep_after).toBe(1_800_000);
    expect(config.health).toMatchObject({ liveness: true, liveness_interval: 2000, liveness_failures: 5 });
    expect(
      parsePierToml(`[deploy]\nrelease_command = ["bun", "run", "migrate"]`).deploy.release_command,
    ).toEqual(["bun", "run", "migrate"]);
    expect(defaultPierConfig.deploy.release_command).toBeUndefined();
    expect(defaultPierConfig.deploy.release_timeout).toBe(600_000);
    expect(parseError(`[preview]\nsleep_after = "10ms"`).message).toContain("at least 1s");
  });

  test("[[cron]] jobs: defaults, validation with the field and line", () => {
    const config = parsePierToml(`
[[cron]]
name = "digest"
schedule = "0 7 * * *"
timezone = "Europe/Berlin"
command = "bun run digest.ts"

[[cron]]
name = "ping"
schedule = "*/5 * * * *"
path = "/cron/ping"
overlap = "queue"
timeout = "30s"
retries = 2
catch_up = true
`);
    expect(config.cron).toEqual([
      {
        name: "digest",
        schedule: "0 7 * * *",
        timezone: "Europe/Berlin",
        command: "bun run digest.ts",
        overlap: "skip",
        timeout: 3_600_000,
        retries: 0,
        catch_up: false,
      },
      {
        name: "ping",
        schedule: "*/5 * * * *",
        timezone: "UTC",
        path: "/cron/ping",
        overlap: "queue",
        timeout: 30_000,
        retries: 2,
        catch_up: true,
      },
    ]);
    expect(defaultPierConfig.cron).toEqual([]);
    const bad = parseError(`[[cron]]\nname = "x"\nschedule = "0 25 * * *"\ncommand = "true"\n`);
    expect(bad.message).toContain("cron.0.schedule");
    expect(bad.message).toContain("not a valid schedule");
    expect(parseError(`[[cron]]\nname = "x"\nschedule = "* * * * *"\n`).message).toContain(
      "either command or path",
    );
    expect(
      parseError(
        `[[cron]]\nname = "x"\nschedule = "* * * * *"\ntimezone = "Nowhere/Land"\ncommand = "true"\n`,
      ).message,
    ).toContain("unknown time zone");
    expect(
      parseError(
        `[[cron]]\nname = "x"\nschedule = "* * * * *"\ncommand = "a"\n[[cron]]\nname = "x"\nschedule = "* * * * *"\ncommand = "b"\n`,
      ).message,
    ).toContain('two jobs are named "x"');
  });

  test("[[volumes]], [deploy] strategy and [preview] database", () => {
    const config = parsePierToml(
      `[deploy]\nstrategy = "stop-first"\n[preview]\ndatabase = "copy"\n[[volumes]]\nname = "uploads"\npath = "/app/uploads"\n`,
    );
    expect(config.volumes).toEqual([{ name: "uploads", path: "/app/uploads" }]);
    expect(config.deploy.strategy).toBe("stop-first");
    expect(config.preview.database).toBe("copy");
    expect(defaultPierConfig.volumes).toEqual([]);
    expect(parseError(`[[volumes]]\nname = "a"\npath = "relative"\n`).message).toContain("absolute path");
    expect(
      parseError(`[[volumes]]\nname = "a"\npath = "/x"\n[[volumes]]\nname = "a"\npath = "/y"\n`).message,
    ).toContain('volume "a" is declared twice');
    expect(parseError(`[deploy]\nstrategy = "blue-green"\n`).message).toContain("deploy.strategy");
  });
});

test("[deploy] upstream_protocol: http1 by default, h2c for HTTP/2-only apps, nothing else", () => {
  expect(parsePierToml("").deploy.upstream_protocol).toBe("http1");
  expect(parsePierToml('[deploy]\nupstream_protocol = "h2c"\n').deploy.upstream_protocol).toBe("h2c");
  expect(() => parsePierToml('[deploy]\nupstream_protocol = "h3"\n')).toThrow(PierTomlError);
});
