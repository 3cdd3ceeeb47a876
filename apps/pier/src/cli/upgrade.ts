import { type Command, type ParsedArgs, UsageError } from "./command.ts";

const durationPattern = /^(\d+)(ms|s|m)?$/;

function durationFlag(args: ParsedArgs, name: string, command: Command): number | undefined {
  const value = args.flags[name];
  if (typeof value !== "string") return undefined;
  const match = durationPattern.exec(value.trim());
  const ms = match
    ? Number(match[1]) * { ms: 1, s: 1000, m: 60_000 }[(match[2] ?? "s") as "ms" | "s" | "m"]
    : NaN;
  if (!Number.isFinite(ms) || ms <= 0 || ms > 3_600_000)
    throw new UsageError(
      `--${name} must be a duration like 90s or 5m (at most 60m), got "${value}"`,
      command,
    );
  return ms;
}

export const upgradeCommand: Command = {
  name: "upgrade",
  summary: "Upgrade pier to the latest (or a given) signed release, handing over without dropping a request.",
  usage: "pier upgrade [--check] [--version VERSION] [--rollback] [--release-url URL] [--data-dir DIR]",
  flags: {
    check: { type: "boolean", help: "print the installed and the latest version, change nothing" },
    version: { type: "string", value: "VERSION", help: "install this version instead of the latest" },
    rollback: { type: "boolean", help: "go back to pier.previous, the version before the last upgrade" },
    "release-url": {
      type: "string",
      value: "URL",
      help: "where releases are published [PIER_RELEASE_URL] (default: where this release came from)",
    },
    "data-dir": {
      type: "string",
      value: "DIR",
      help: "data dir of the running pier to hand over [PIER_DATA_DIR] (default as pier serve)",
    },
    timeout: {
      type: "string",
      value: "DURATION",
      help: "how long the new pier may take to be ready, migrations included (default 120s)",
    },
    "deploy-wait": {
      type: "string",
      value: "DURATION",
      help: "how long to wait for deploys in progress before handing over (default 5m)",
    },
  },
  async run(args) {
    const version = args.flags.version;
    if (typeof version === "string") {
      const { versionPattern } = await import("../release/targets.ts");
      if (!versionPattern.test(version))
        throw new UsageError(`--version must be a version like 1.2.3, got "${version}"`, upgradeCommand);
    }
    if (args.flags.rollback && (typeof version === "string" || args.flags.check))
      throw new UsageError(
        "--rollback goes back to pier.previous: it takes no --version or --check",
        upgradeCommand,
      );
    const releaseUrl = typeof args.flags["release-url"] === "string" ? args.flags["release-url"] : undefined;
    if (releaseUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(releaseUrl))
      throw new UsageError(
        `--release-url must be an http:// or https:// URL, got "${releaseUrl}"`,
        upgradeCommand,
      );
    const readyTimeoutMs = durationFlag(args, "timeout", upgradeCommand);
    const deployWaitMs = durationFlag(args, "deploy-wait", upgradeCommand);
    const dataDir = typeof args.flags["data-dir"] === "string" ? args.flags["data-dir"] : undefined;
    if (dataDir !== undefined && !dataDir.startsWith("/"))
      throw new UsageError("--data-dir must be an absolute path", upgradeCommand);
    const { runUpgrade } = await import("../upgrade/run-upgrade.ts");
    return runUpgrade({
      check: args.flags.check === true,
      rollback: args.flags.rollback === true,
      version: typeof version === "string" ? version : undefined,
      releaseUrl,
      dataDir,
      readyTimeoutMs,
      deployWaitMs,
    });
  },
};
