import { existsSync } from "node:fs";
import { serveOptions } from "@pier/config";
import { PierError, pierVersion } from "@pier/core";
import type { HandoverEvent } from "../handover/control-api.ts";
import { embeddedReleasePublicKey } from "../release/embedded-key.ts";
import { embeddedReleaseBaseUrl } from "../release/embedded-location.ts";
import { targetOf } from "../release/targets.ts";
import {
  applySwap,
  assertReplaceable,
  BinaryReplaceError,
  installPlan,
  rollbackPlan,
  type SwapPaths,
  swapPaths,
} from "./binary-swap.ts";
import { requestHandover, runningPier } from "./control-client.ts";
import { fetchVerifiedRelease, latestVersion } from "./release-fetch.ts";

export class UpgradeError extends PierError {
  constructor(message: string) {
    super("upgrade_failed", message, 400);
  }
}

export interface UpgradeOptions {
  check: boolean;
  rollback: boolean;
  version?: string;
  releaseUrl?: string;
  dataDir?: string;
  readyTimeoutMs?: number;
  deployWaitMs?: number;
}

const say = (line: string) => console.log(`pier upgrade: ${line}`);

/** `pier VERSION` as the binary at `path` prints it, or undefined when it does not run. */
function versionOf(path: string): string | undefined {
  const run = Bun.spawnSync([path, "--version"], { stdout: "pipe", stderr: "pipe", timeout: 30_000 });
  const match = /^pier (\S+)$/.exec(run.stdout.toString().trim());
  return run.exitCode === 0 && match ? match[1] : undefined;
}

/** The binary to replace: the one the running pier was started from, else this one. */
function binaryToReplace(running: { binary: string } | undefined): string {
  if (running) return running.binary;
  if (!Bun.main.startsWith("/$bunfs/"))
    throw new UpgradeError(
      `this is pier running from source under ${process.execPath}, not the compiled binary: pier upgrade replaces a binary installed from a release (install.sh)`,
    );
  return process.execPath;
}

function describe(event: HandoverEvent): string | undefined {
  switch (event.step) {
    case "waiting-for-deploys":
      return `waiting for ${event.deploys} deploy(s) in progress to finish`;
    case "starting":
      return `starting ${event.binary} beside the running pier (same ports, same data dir)`;
    case "ready":
      return `pier ${event.version} serves (pid ${event.pid}): ready ${event.elapsedMs} ms after the hand-over began (its own start ${Math.round(event.startupMs)} ms)`;
    case "primary-released":
      return "schedulers moved to the new process";
    case "draining":
      return "the previous process stopped accepting and drains what is in flight";
    case "stopped":
      return `the previous process drained in ${event.drainMs} ms and exited`;
    case "failed":
      return undefined;
  }
}

const putBack = (paths: SwapPaths) => `${paths.binary} and ${paths.previous} were put back as they were`;

/**
 * Asks the pier running on `dataDir` to hand over to the binary now at `paths.binary`. On failure
 * `undo` puts the files back as they were, so a later restart runs what is serving.
 */
async function handOver(
  dataDir: string,
  paths: SwapPaths,
  options: UpgradeOptions,
  undo: () => void,
): Promise<number> {
  const began = performance.now();
  let last: HandoverEvent | undefined;
  try {
    last = await requestHandover(
      dataDir,
      { binary: paths.binary, readyTimeoutMs: options.readyTimeoutMs, deployWaitMs: options.deployWaitMs },
      (event) => {
        const line = describe(event);
        if (line) say(line);
      },
    );
  } catch (error) {
    undo();
    throw new UpgradeError(`${(error as Error).message}; ${putBack(paths)}`);
  }
  if (
    last === undefined ||
    last.step === "failed" ||
    last.step === "waiting-for-deploys" ||
    last.step === "starting"
  ) {
    undo();
    const why =
      last?.step === "failed"
        ? last.message
        : "the running pier stopped answering before the new one was ready";
    throw new UpgradeError(`${why}.\n${putBack(paths)}; the running pier keeps serving, nothing changed`);
  }
  say(`done in ${Math.round(performance.now() - began)} ms`);
  return 0;
}

export async function runUpgrade(options: UpgradeOptions): Promise<number> {
  const dataDir =
    options.dataDir ?? process.env.PIER_DATA_DIR ?? (serveOptions.dataDir.defaultValue() as string);
  const running = await runningPier(dataDir);
  const binary = binaryToReplace(running);
  const paths = swapPaths(binary);
  const current = versionOf(binary) ?? running?.version ?? pierVersion;
  const target = targetOf(process.platform, process.arch);
  if (!target) throw new UpgradeError(`pier has no releases for ${process.platform}-${process.arch}`);

  if (options.rollback) {
    if (!existsSync(paths.previous))
      throw new UpgradeError(
        `there is no ${paths.previous} to go back to: no upgrade was made with this binary`,
      );
    const previous = versionOf(paths.previous);
    if (!previous) throw new UpgradeError(`${paths.previous} does not run on this machine`);
    assertReplaceable(paths);
    const nonce = `${process.pid}`;
    applySwap(rollbackPlan(paths, nonce));
    say(`${paths.binary} is pier ${previous} again (pier ${current} kept as ${paths.previous})`);
    if (!running) {
      say(`no pier is running on ${dataDir}: start it (systemctl restart pier, or pier serve)`);
      return 0;
    }
    return handOver(dataDir, paths, options, () => applySwap(rollbackPlan(paths, `${nonce}-undo`)));
  }

  const baseUrl = options.releaseUrl ?? process.env.PIER_RELEASE_URL ?? embeddedReleaseBaseUrl;
  if (!baseUrl)
    throw new UpgradeError(
      "this build does not know where releases are published: pass --release-url URL (or set PIER_RELEASE_URL)",
    );
  if (!embeddedReleasePublicKey)
    throw new UpgradeError(
      "this binary has no release key built in (it was not made by make release), so it cannot verify a download: install a release with install.sh first",
    );
  const location = { baseUrl, publicKey: embeddedReleasePublicKey };
  const version = options.version ?? (await latestVersion(location));
  if (options.check) {
    console.log(`installed  pier ${current}  ${binary}${running ? ` (running, pid ${running.pid})` : ""}`);
    console.log(`latest     pier ${version}  ${baseUrl}`);
    console.log(version === current ? "up to date" : "an upgrade is available: pier upgrade");
    return 0;
  }
  if (version === current && running?.version === current) {
    say(`pier ${current} is installed and running already`);
    return 0;
  }
  assertReplaceable(paths);
  say(`downloading pier ${version} for ${target} from ${baseUrl}`);
  const release = await fetchVerifiedRelease(location, version, target);
  say(`signature and SHA-256 OK (pier ${version}, release key ${embeddedReleasePublicKey.slice(0, 12)}…)`);

  const nonce = `${process.pid}`;
  const { steps, undo, done } = installPlan(paths, nonce, existsSync(paths.previous));
  const [write, ...swap] = steps;
  applySwap([write!], release.binary);
  const staged = (write as { path: string }).path;
  const reported = versionOf(staged);
  if (reported !== version) {
    await Bun.file(staged)
      .delete()
      .catch(() => {});
    throw new BinaryReplaceError(
      reported
        ? `the downloaded binary says it is pier ${reported}, not ${version}; nothing was changed`
        : "the downloaded binary does not run on this machine; nothing was changed",
    );
  }
  applySwap(swap);
  say(`installed pier ${version} at ${binary} (pier ${current} kept as ${paths.previous})`);
  if (!running) {
    applySwap(done);
    say(`no pier is running on ${dataDir}: start it (systemctl restart pier, or pier serve)`);
    return 0;
  }
  const code = await handOver(dataDir, paths, options, () => applySwap(undo));
  applySwap(done);
  return code;
}
