/**
 * install.sh against a release made by scripts/release/package.ts (what `make release` runs),
 * served from this machine, in minimal Debian roots (scripts/release/install-test-images.sh):
 * x86_64, a real arm64 userland under qemu (binfmt), the refusals, tampered releases, the
 * fallbacks (wget, gzip, ssh-keygen) and --service under a booted systemd.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { requireService } from "@pier/testkit";
import { freePort, pierBinary, repoRoot } from "../support/pier-process.ts";
import {
  dockerBridgeAddress,
  packageTestRelease,
  type ReleaseServer,
  releaseVersion,
  serveRelease,
} from "../support/release-server.ts";
import { type SystemdContainer, startSystemdContainer } from "../support/systemd-container.ts";

const amd64Image = "pier-test/install:bookworm-amd64";
const arm64Image = "pier-test/install:bookworm-arm64";
const arm64Binary = process.env.PIER_BINARY_LINUX_ARM64 ?? join(repoRoot, "dist", "pier-linux-arm64");

function dockerImageExists(image: string): boolean {
  return (
    Bun.spawnSync(["docker", "image", "inspect", image], { stdout: "ignore", stderr: "ignore" }).exitCode ===
    0
  );
}
function binfmtAarch64(): boolean {
  const entry = "/proc/sys/fs/binfmt_misc/qemu-aarch64";
  return (
    existsSync(entry) &&
    /^enabled/m.test(readFileSync(entry, "utf8")) &&
    /^flags:.*F/m.test(readFileSync(entry, "utf8"))
  );
}
const dockerUp =
  Bun.which("docker") !== null &&
  Bun.spawnSync(["docker", "info"], { stdout: "ignore", stderr: "ignore" }).exitCode === 0;
const imagesFix =
  "Run `bash scripts/release/install-test-images.sh` as root (Docker, debootstrap and qemu-user-static needed).";
const ready = requireService(
  "Docker and the install test images",
  !dockerUp
    ? "the Docker Engine is not reachable"
    : !existsSync(pierBinary)
      ? `${pierBinary} is not built`
      : !dockerImageExists(amd64Image)
        ? `the image ${amd64Image} does not exist`
        : null,
  `Build pier (make build), start dockerd. ${imagesFix}`,
);
const arm64Ready =
  ready &&
  requireService(
    "an arm64 Debian root under qemu",
    !existsSync(arm64Binary)
      ? "dist/pier-linux-arm64 is not built"
      : !dockerImageExists(arm64Image)
        ? `the image ${arm64Image} does not exist`
        : !binfmtAarch64()
          ? "qemu-aarch64 is not registered with binfmt_misc (flag F)"
          : null,
    `Build it with \`make dist/pier-linux-arm64\`. ${imagesFix}`,
  );

interface Outcome {
  exitCode: number;
  installed: string;
  files: string;
  output: string;
}

/** Runs `script` in a fresh container of `image` on the host's network; install.sh is fetched over HTTP. */
async function inContainer(image: string, script: string, timeoutMs = 120_000): Promise<Outcome> {
  const run = Bun.spawn(["docker", "run", "--rm", "--network", "host", image, "sh", "-c", script], {
    stdout: "pipe",
    stderr: "pipe",
    timeout: timeoutMs,
  });
  const [exitCode, stdout, stderr] = await Promise.all([
    run.exited,
    new Response(run.stdout).text(),
    new Response(run.stderr).text(),
  ]);
  const output = `${stdout}${stderr}`;
  if (exitCode !== 0) throw new Error(`docker run ${image} failed (${exitCode}):\n${output}`);
  return {
    exitCode: Number(/^exit=(\d+)$/m.exec(stdout)?.[1] ?? "-1"),
    installed: /^installed=(.*)$/m.exec(stdout)?.[1] ?? "",
    files: (/^files=(.*)$/m.exec(stdout)?.[1] ?? "").trim(),
    output,
  };
}

/** The shell lines around one install: how it exited and what ended up installed where. */
function installScript(options: {
  fetch: string;
  args?: string;
  before?: string;
  env?: string;
  bin?: string;
}): string {
  const bin = options.bin ?? "/usr/local/bin/pier";
  return [
    "set +e",
    options.before ?? "",
    `${options.fetch} | ${options.env ?? ""} sh -s -- ${options.args ?? ""}`,
    'echo "exit=$?"',
    `if [ -e ${bin} ]; then echo "installed=$(${bin} --version)"; else echo "installed=none"; fi`,
    // What is in the places install.sh writes to: after a refusal, nothing.
    'echo "files=$(ls -A /usr/local/bin /opt "$HOME/.local/bin" 2>/dev/null | grep -v "^/" | grep . | tr "\\n" " ")"',
  ].join("\n");
}

const curl = (url: string) => `curl -fsSL ${url}/install.sh`;
/** A uname (and getconf) earlier on PATH, saying what the test needs the machine to be. */
const fakeSystem = (os: string, machine: string, bits = "64") => `mkdir -p /tmp/fake
printf '#!/bin/sh\\ncase "$1" in -s) echo ${os};; -m) echo ${machine};; *) echo ${os};; esac\\n' > /tmp/fake/uname
printf '#!/bin/sh\\necho ${bits}\\n' > /tmp/fake/getconf
chmod +x /tmp/fake/uname /tmp/fake/getconf`;

let server: ReleaseServer;
let releaseDir: string;
const bridge = dockerBridgeAddress();

beforeAll(async () => {
  if (!ready) return;
  const port = freePort();
  const binaries = [{ target: "linux-x64", path: pierBinary }];
  if (arm64Ready) binaries.push({ target: "linux-arm64", path: arm64Binary });
  const started = performance.now();
  releaseDir = await packageTestRelease(binaries, `http://127.0.0.1:${port}/good`);
  console.log(`test release packaged in ${Math.round(performance.now() - started)} ms`);
  server = await serveRelease(releaseDir, bridge ? ["127.0.0.1", bridge] : ["127.0.0.1"], port);
}, 300_000);

afterAll(async () => {
  await server?.stop();
  if (releaseDir) rmSync(releaseDir, { recursive: true, force: true });
});

describe.skipIf(!ready)("install.sh on x86_64 Debian (minbase + curl, xz, openssl)", () => {
  test("curl URL/install.sh | sh verifies, installs /usr/local/bin/pier and runs pier doctor", async () => {
    const result = await inContainer(amd64Image, installScript({ fetch: curl(server.url("good")) }));
    expect(result.output).toContain("signature of SHA256SUMS OK (openssl");
    expect(result.output).toContain(`sha256 OK`);
    expect(result.output).toContain(`pier-${releaseVersion}-linux-x64.tar.xz`);
    expect(result.output).toMatch(/✓ tar\s+tar \(GNU tar\)/);
    expect(result.output).toMatch(/✗ git\s+not found on PATH/);
    expect(result.exitCode).toBe(0);
    expect(result.installed).toBe(`pier ${releaseVersion}`);
  }, 120_000);

  test("--version with --prefix, and a user without root, put it where asked or in ~/.local/bin", async () => {
    const prefixed = await inContainer(
      amd64Image,
      installScript({
        fetch: curl(server.url("good")),
        args: `--version ${releaseVersion} --prefix /opt/pier --no-doctor`,
        bin: "/opt/pier/bin/pier",
      }),
    );
    expect(prefixed.exitCode).toBe(0);
    expect(prefixed.installed).toBe(`pier ${releaseVersion}`);

    const user = await inContainer(
      amd64Image,
      `useradd -m dev && su dev -c 'set +e; ${curl(server.url("good"))} | sh -s -- --no-doctor; echo "exit=$?"; echo "installed=$($HOME/.local/bin/pier --version)"'`,
    );
    expect(user.exitCode).toBe(0);
    expect(user.installed).toBe(`pier ${releaseVersion}`);
    expect(user.output).toContain("is not on your PATH");
  }, 120_000);

  test("without curl, xz and openssl it takes wget, the .tar.gz and ssh-keygen", async () => {
    const result = await inContainer(
      amd64Image,
      installScript({
        before: "rm /usr/bin/curl /usr/bin/xz /usr/bin/openssl",
        fetch: `wget -qO- ${server.url("good")}/install.sh`,
        args: "--no-doctor",
      }),
    );
    expect(result.output).toContain("signature of SHA256SUMS OK (ssh-keygen");
    expect(result.output).toContain(`pier-${releaseVersion}-linux-x64.tar.gz`);
    expect(result.exitCode).toBe(0);
    expect(result.installed).toBe(`pier ${releaseVersion}`);
  }, 120_000);

  test("with nothing to check the signature it refuses, unless told --insecure-skip-signature", async () => {
    const refused = await inContainer(
      amd64Image,
      installScript({ before: "rm /usr/bin/openssl /usr/bin/ssh-keygen", fetch: curl(server.url("good")) }),
    );
    expect(refused.exitCode).toBe(1);
    expect(refused.installed).toBe("none");
    expect(refused.files).toBe("");
    expect(refused.output).toContain("cannot check the release signature");
    expect(refused.output).toContain("apt-get install openssl");

    const skipped = await inContainer(
      amd64Image,
      installScript({
        before: "rm /usr/bin/openssl /usr/bin/ssh-keygen",
        fetch: curl(server.url("good")),
        args: "--insecure-skip-signature --no-doctor",
      }),
    );
    expect(skipped.output).toContain("NOT checking the signature");
    expect(skipped.output).toContain("sha256 OK");
    expect(skipped.exitCode).toBe(0);
    expect(skipped.installed).toBe(`pier ${releaseVersion}`);
  }, 120_000);
});

describe.skipIf(!ready)("install.sh refuses what it must not install", () => {
  const refusal = async (variant: "corrupt-archive" | "bad-signature" | "other-key") => {
    const before = server.requests.length;
    const result = await inContainer(
      amd64Image,
      installScript({ fetch: curl(server.url("good")), args: `--base-url ${server.url(variant)}` }),
    );
    return { ...result, requested: server.requests.slice(before) };
  };

  test("a corrupted archive: digest mismatch, non-zero exit, nothing installed", async () => {
    const result = await refusal("corrupt-archive");
    expect(result.output).toContain("is corrupt or was altered");
    expect(result.exitCode).toBe(1);
    expect(result.installed).toBe("none");
    expect(result.files).toBe("");
  }, 120_000);

  test("an archive and SHA256SUMS swapped together: the signature catches it before the download", async () => {
    const result = await refusal("bad-signature");
    expect(result.output).toContain("does NOT verify with pier's release key");
    expect(result.exitCode).toBe(1);
    expect(result.installed).toBe("none");
    expect(result.files).toBe("");
    expect(result.requested.some((path) => path.endsWith(".tar.xz"))).toBe(false);
  }, 120_000);

  test("SHA256SUMS validly signed, but with another key", async () => {
    const result = await refusal("other-key");
    expect(result.output).toContain("signed with another key");
    expect(result.exitCode).toBe(1);
    expect(result.installed).toBe("none");
  }, 120_000);

  test("armv7l, a 32-bit userland on a 64-bit kernel and FreeBSD are refused with what to do, before any download", async () => {
    const cases = [
      { os: "Linux", machine: "armv7l", bits: "32", says: "Raspberry Pi OS 64-bit" },
      { os: "Linux", machine: "aarch64", bits: "32", says: "running a 32-bit system" },
      { os: "FreeBSD", machine: "amd64", bits: "64", says: "Run it in a Linux virtual machine" },
    ];
    for (const { os, machine, bits, says } of cases) {
      const before = server.requests.length;
      const result = await inContainer(
        amd64Image,
        installScript({
          before: fakeSystem(os, machine, bits),
          fetch: curl(server.url("good")),
          env: "PATH=/tmp/fake:$PATH",
        }),
      );
      expect(result.output).toContain("this machine is not supported");
      expect(result.output).toContain(says);
      expect(result.exitCode).toBe(3);
      expect(result.installed).toBe("none");
      expect(result.files).toBe("");
      // Only install.sh itself was fetched.
      expect(server.requests.slice(before)).toEqual(["/good/install.sh"]);
    }
  }, 120_000);

  test("the unfilled template from the source tree and --service without root are refused", async () => {
    const template = await inContainer(
      amd64Image,
      `set +e; cat > /tmp/install.sh <<'TEMPLATE_END'\n${readFileSync(join(repoRoot, "install.sh"), "utf8")}\nTEMPLATE_END\nsh /tmp/install.sh --base-url ${server.url("good")}; echo "exit=$?"`,
    );
    expect(template.output).toContain("is the template from pier's source tree");
    expect(template.exitCode).toBe(1);

    const service = await inContainer(
      amd64Image,
      `useradd -m dev && su dev -c 'set +e; ${curl(server.url("good"))} | sh -s -- --service; echo "exit=$?"'`,
    );
    expect(service.output).toContain("--service needs root");
    expect(service.exitCode).toBe(2);
  }, 120_000);
});

describe.skipIf(!arm64Ready)("install.sh on an arm64 Debian userland (qemu)", () => {
  test("uname -m is aarch64: it picks linux-arm64, verifies and installs a pier that runs", async () => {
    const result = await inContainer(
      arm64Image,
      installScript({ fetch: curl(server.url("good")), args: "--no-doctor" }),
      300_000,
    );
    expect(result.output).toContain(`installing pier ${releaseVersion} for linux-arm64`);
    expect(result.output).toContain("signature of SHA256SUMS OK (openssl");
    expect(result.exitCode).toBe(0);
    expect(result.installed).toBe(`pier ${releaseVersion}`);
  }, 300_000);
});

// systemd as the container's init needs CAP_SYS_ADMIN, no seccomp filter and the host's cgroups;
// the container is on Docker's bridge, so pier's ports 80, 443 and 7070 are its own.
const systemdReady =
  ready &&
  requireService(
    "systemd booted in a container",
    bridge ? null : "there is no docker0 bridge address to serve the release on",
    "Start dockerd with its default bridge network.",
  );

describe.skipIf(!systemdReady)("install.sh --service under systemd", () => {
  const name = `pier-e2e-systemd-${process.pid}`;
  let container: SystemdContainer | undefined;
  const exec = (script: string) => container!.exec(script);

  beforeAll(async () => {
    container = await startSystemdContainer(name, amd64Image);
  }, 90_000);

  afterAll(() => container?.remove());

  test("installs the unit, its user and token, starts pier on 80/443 as that user, and uninstalls", async () => {
    const url = server.url("good", bridge);
    const install = await exec(`curl -fsSL ${url}/install.sh | sh -s -- --base-url ${url} --service`);
    expect(install.out).toContain("state        started");
    expect(install.out).toContain("pier login http://127.0.0.1:7070 --token");
    expect(install.code).toBe(0);

    // The unit as installed, with its real user and binary, is one systemd accepts without a word.
    expect(await exec("systemd-analyze verify --man=no /etc/systemd/system/pier.service")).toEqual({
      code: 0,
      out: "",
    });
    expect((await exec("stat -c '%U %a' /etc/pier/admin-token /var/lib/pier")).out).toBe(
      "root 600\npier 700",
    );

    let healthy = "";
    for (let i = 0; i < 40 && !healthy.includes('"ok":true'); i++) {
      await Bun.sleep(250);
      healthy = (await exec("curl -fsS http://127.0.0.1:7070/healthz")).out;
    }
    expect(JSON.parse(healthy)).toEqual({ ok: true, version: releaseVersion });
    const status = await exec("pier service status");
    expect(status.out).toContain("active: active, enabled: enabled");
    expect(status.code).toBe(0);
    // Port 80 without root: the capability the unit grants.
    expect((await exec("curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:80/")).out).toMatch(
      /^[2345]\d\d$/,
    );
    expect((await exec("stat -c %U /proc/$(systemctl show -p MainPID --value pier)")).out).toBe("pier");
    // The token from /etc/pier/admin-token was created at first start.
    const token = "$(sed -n 's/^PIER_ADMIN_TOKEN=//p' /etc/pier/admin-token)";
    expect(
      (
        await exec(
          `curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer ${token}" http://127.0.0.1:7070/api/v1/apps`,
        )
      ).out,
    ).toBe("200");

    const uninstall = await exec("pier service uninstall");
    expect(uninstall.code).toBe(0);
    expect(uninstall.out).toContain("kept: /var/lib/pier, /etc/pier, user pier");
    expect((await exec("systemctl is-active pier")).out).not.toBe("active");
    expect((await exec("test -d /var/lib/pier && id -u pier >/dev/null && echo kept")).out).toBe("kept");
    const purge = await exec("pier service uninstall --purge");
    expect(purge.out).toContain("user pier");
    expect(
      (await exec("test -e /var/lib/pier || test -e /etc/pier || id pier 2>/dev/null || echo gone")).out,
    ).toBe("gone");
  }, 180_000);
});
