import { expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { requireService } from "@pier/testkit";
import { repoRoot, startPier } from "../support/pier-process.ts";

// The Raspberry Pi build, run under user-mode emulation: proves the cross-compiled binary starts
// and serves, not just that the compiler produced a file.
const binary = join(repoRoot, "dist", "pier-linux-arm64");
const qemu = Bun.which("qemu-aarch64-static");
const hasArmLibc = existsSync("/lib/ld-linux-aarch64.so.1") || existsSync("/usr/lib/ld-linux-aarch64.so.1");
const runnable = requireService(
  "the arm64 binary under qemu",
  !existsSync(binary)
    ? "dist/pier-linux-arm64 is not built"
    : qemu === null
      ? "qemu-aarch64-static is not on PATH"
      : !hasArmLibc
        ? "the arm64 C library is not installed"
        : null,
  "Build it with `make dist/pier-linux-arm64`; install `qemu-user-static` and, after `dpkg --add-architecture arm64`, `libc6:arm64`.",
);

test.if(runnable)(
  "linux-arm64 binary: --version and serve answering /healthz under qemu",
  async () => {
    const version = Bun.spawnSync([qemu!, binary, "--version"]);
    expect(version.exitCode).toBe(0);
    expect(version.stdout.toString()).toMatch(/^pier \d+\.\d+\.\d+/);

    const pier = await startPier({
      runner: [qemu!],
      binary,
      args: ["--proxy-workers", "1"],
      readyTimeoutMs: 60_000,
    });
    try {
      const res = await fetch(`${pier.url}/healthz`);
      expect(res.status).toBe(200);
      expect((await res.json()).ok).toBe(true);
    } finally {
      expect(await pier.stop()).toBe(0);
    }
  },
  120_000,
);
