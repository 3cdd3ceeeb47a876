import {
  ConfigError,
  redactServeConfig,
  resolveServeConfig,
  type ServeOption,
  serveOptions,
} from "@pier/config";
import { allocatorEnv, missingAllocatorSettings, pierVersion } from "@pier/core";
import { type Command, type FlagSpec, UsageError } from "./command.ts";

const optionFlags: Record<string, FlagSpec> = Object.fromEntries(
  Object.values(serveOptions as Record<string, ServeOption>).map((option) => [
    option.flag,
    {
      type: "string",
      value: option.flag.endsWith("port") ? "N" : "VALUE",
      help: `${option.help} [${option.env}]`,
    },
  ]),
);

export const serveCommand: Command = {
  name: "serve",
  summary: "Run the pier server: control plane (API, dashboard, git, ingest) and the proxy.",
  usage: "pier serve [--data-dir DIR] [--console-port N] [--http-port N] [--https-port N] [options]",
  flags: {
    ...optionFlags,
    "print-config": { type: "boolean", help: "print the effective configuration (secrets hidden) and exit" },
  },
  async run(args) {
    const flags = Object.fromEntries(
      Object.entries(args.flags).filter(
        ([name, value]) => name !== "print-config" && typeof value === "string",
      ),
    ) as Record<string, string>;
    let resolved: ReturnType<typeof resolveServeConfig>;
    try {
      resolved = resolveServeConfig(flags, process.env);
    } catch (error) {
      if (error instanceof ConfigError) throw new UsageError(error.message, serveCommand);
      throw error;
    }
    if (args.flags["print-config"]) {
      const shown = redactServeConfig(resolved.config);
      for (const [key, value] of Object.entries(shown)) {
        const source = resolved.sources[key as keyof typeof resolved.sources];
        console.log(`${key.padEnd(14)} ${JSON.stringify(value ?? null).padEnd(40)} (${source})`);
      }
      return 0;
    }
    // The token is in the config now; the processes pier starts (git, builds) must not inherit it.
    delete process.env.PIER_ADMIN_TOKEN;
    // The whole platform loads only for `serve`: other commands start in a few ms without it.
    const { createServeLogger, startPier } = await import("../serve.ts");
    const logger = createServeLogger(resolved.config);
    // main.ts started pier again with these unless execve failed (e.g. under qemu-user).
    const missing = missingAllocatorSettings(process.platform, process.env);
    if (missing.length > 0)
      logger.warn("allocator settings not applied: freed memory goes back to the OS after 100 ms", {
        fix: `start pier with ${missing.join(" ")} in its environment`,
      });
    const started = performance.now();
    const pier = await startPier(resolved.config, logger);
    logger.info("pier is ready", {
      version: pierVersion,
      console: pier.consoleUrl,
      dataDir: resolved.config.dataDir,
      startupMs: Math.round(performance.now() - started),
      allocator: Object.fromEntries(
        Object.keys(allocatorEnv).map((name) => [name, process.env[name] ?? null]),
      ),
      sinceProcessStartMs: Math.round(process.uptime() * 1000),
    });
    // What the host lacks (git, Docker, disk, clock, …), as `pier doctor` says it: one warning
    // each, checked after start-up so it costs the start nothing.
    void import("../doctor/index.ts").then(({ logHostFindings }) => logHostFindings(resolved.config, logger));
    await waitForShutdownSignal();
    logger.info("shutting down");
    await pier.stop();
    logger.info("stopped");
    // Everything pier owns is closed; a library handle left behind must not delay the exit.
    setTimeout(() => process.exit(0), 100).unref();
    return 0;
  },
};

function waitForShutdownSignal(): Promise<string> {
  return new Promise((resolve) => {
    const onSignal = (signal: string) => {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
      // A second signal means "now": do not wait for draining.
      process.once("SIGTERM", () => process.exit(1));
      process.once("SIGINT", () => process.exit(1));
      resolve(signal);
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
}
