import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { requireService } from "@pier/testkit";
import { pierBinary } from "../support/pier-process.ts";
import { type SystemdContainer, startSystemdContainer } from "../support/systemd-container.ts";
import {
  buildUpgradeReleases,
  type UpgradeReleases,
  versionA,
  versionB,
} from "../support/upgrade-releases.ts";

// pier upgrade under systemd: release A installed by its install.sh with --service (the unit
// `pier service install` writes), then `pier upgrade` to B and `--rollback` to A. The new process
// must become the unit's main process (sd_notify MAINPID= from the old one, NotifyAccess=main),
// the unit stay active without a restart, and a later stop or restart act on the new process.
// systemd runs as the init of a container; the release is served inside it on 127.0.0.1 by the
// pier binary itself running as Bun (BUN_BE_BUN=1), so no traffic leaves loopback.

const image = "pier-test/install:bookworm-amd64";
const dockerUp =
  Bun.which("docker") !== null &&
  Bun.spawnSync(["docker", "info"], { stdout: "ignore", stderr: "ignore" }).exitCode === 0;
const imageExists =
  dockerUp &&
  Bun.spawnSync(["docker", "image", "inspect", image], { stdout: "ignore", stderr: "ignore" }).exitCode === 0;
const ready = requireService(
  "systemd booted in a container (the install test image)",
  !dockerUp
    ? "the Docker Engine is not reachable"
    : !existsSync(pierBinary)
      ? `${pierBinary} is not built`
      : !imageExists
        ? `the image ${image} does not exist`
        : null,
  "Build pier (make build), start dockerd, run `bash scripts/release/install-test-images.sh` as root.",
);

const name = `pier-e2e-upgrade-systemd-${process.pid}`;
const releaseUrl = "http://127.0.0.1:8099";
let releases: UpgradeReleases;

let container: SystemdContainer | undefined;
const exec = (script: string) => container!.exec(script);

const mainPid = async () => Number((await exec("systemctl show -p MainPID --value pier")).out);

async function healthz(): Promise<string> {
  for (let i = 0; i < 80; i++) {
    const res = await exec("curl -fsS http://127.0.0.1:7070/healthz");
    if (res.code === 0) return (JSON.parse(res.out) as { version: string }).version;
    await Bun.sleep(250);
  }
  return "";
}

/** Runs `pier upgrade ARGS` as root and checks that systemd now follows the new process. */
async function upgradeUnderSystemd(args: string, version: string) {
  const before = await mainPid();
  const restartsBefore = (await exec("systemctl show -p NRestarts --value pier")).out;
  const upgrade = await exec(`pier upgrade ${args}`);
  expect(upgrade.out).toContain(`pier ${version} serves`);
  expect(upgrade.code).toBe(0);
  const pid = Number(/serves \(pid (\d+)\)/.exec(upgrade.out)?.[1]);
  expect(pid).toBeGreaterThan(0);
  expect(pid).not.toBe(before);
  // systemd follows the new process, and keeps it after the old one exited.
  await Bun.sleep(2_000);
  expect(await mainPid()).toBe(pid);
  expect((await exec("systemctl is-active pier")).out).toBe("active");
  expect((await exec("systemctl show -p NRestarts --value pier")).out).toBe(restartsBefore);
  expect((await exec(`test -d /proc/${before} && echo alive || echo gone`)).out).toBe("gone");
  expect((await exec(`stat -c %U /proc/${pid}`)).out).toBe("pier");
  expect(await healthz()).toBe(version);
}

describe.skipIf(!ready)("pier upgrade under systemd", () => {
  beforeAll(async () => {
    releases = buildUpgradeReleases();
    container = await startSystemdContainer(name, image);
    for (const [from, to] of [
      [releases.dir, "/srv/release"],
      [releases.binaryA, "/srv/bun"],
    ] as const) {
      const copied = Bun.spawnSync(["docker", "cp", from, `${name}:${to}`], { stderr: "pipe" });
      if (copied.exitCode !== 0) throw new Error(`docker cp ${from}: ${copied.stderr}`);
    }
    const server = `Bun.serve({ hostname: "127.0.0.1", port: 8099, fetch(r) {
      const path = decodeURIComponent(new URL(r.url).pathname);
      if (path.includes("..")) return new Response("bad path", { status: 400 });
      const file = Bun.file("/srv/release" + path);
      return file.size > 0 ? new Response(file) : new Response("not found", { status: 404 });
    } });`;
    await exec(`cat > /srv/serve.js <<'EOF'\n${server}\nEOF`);
    await exec("BUN_BE_BUN=1 nohup /srv/bun /srv/serve.js >/srv/serve.log 2>&1 &");
    for (let i = 0; i < 40 && (await exec(`curl -fsS ${releaseUrl}/latest`)).code !== 0; i++)
      await Bun.sleep(100);
  }, 240_000);

  afterAll(() => container?.remove());

  test("the new process becomes the unit's main PID: upgrade, rollback, then restart and stop act on it", async () => {
    const install = await exec(
      `curl -fsSL ${releaseUrl}/install.sh | sh -s -- --base-url ${releaseUrl} --version ${versionA} --service --no-doctor`,
    );
    expect(install.out).toContain("state        started");
    expect(install.code).toBe(0);
    expect(await healthz()).toBe(versionA);
    expect((await exec("grep NotifyAccess /etc/systemd/system/pier.service")).out).toBe("NotifyAccess=main");

    await upgradeUnderSystemd(`--release-url ${releaseUrl}`, versionB);
    expect((await exec("pier --version; pier.previous --version")).out).toBe(
      `pier ${versionB}\npier ${versionA}`,
    );
    await upgradeUnderSystemd("--rollback", versionA);

    // The unit still works as a unit: a restart starts the installed binary, a stop leaves nothing.
    expect((await exec("systemctl restart pier")).code).toBe(0);
    expect(await healthz()).toBe(versionA);
    expect((await exec("systemctl stop pier && systemctl is-active pier")).out).toBe("inactive");
    expect((await exec("find /proc -maxdepth 1 -user pier -regex '/proc/[0-9]+' | wc -l")).out).toBe("0");
  }, 240_000);
});
