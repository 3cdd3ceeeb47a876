import {
  ConfigError,
  redactServeConfig,
  resolveServeConfig,
  type ServeOption,
  serveOptions,
} from "@pier/config";
import { allocatorEnv, missingAllocatorSettings, pierVersion } from "@pier/core";
import { keepServingOnStrayErrors } from "../stray-errors.ts";
import { type Command, type FlagSpec, UsageError } from "./command.ts";

/** An option's help line with its variable and its default on this machine (as root, or not). */
export function serveOptionHelp(option: ServeOption): string {
  const value = option.secret ? undefined : option.defaultValue();
  const shown = Array.isArray(value) ? value.join(",") : value;
  const known = shown !== undefined && shown !== "" && !/\bdefault\b/.test(option.help);
  return `${option.help} [${option.env}]${known ? ` (default ${shown})` : ""}`;
}

const optionFlags: Record<string, FlagSpec> = Object.fromEntries(
  Object.values(serveOptions as Record<string, ServeOption>).map((option) => [
    option.flag,
    {
      type: "string",
      value: option.flag.endsWith("port") ? "N" : "VALUE",
      help: serveOptionHelp(option),
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
      const keyWidth = Math.max(...Object.keys(shown).map((key) => key.length));
      for (const [key, value] of Object.entries(shown)) {
        const source = resolved.sources[key as keyof typeof resolved.sources];
        console.log(`${key.padEnd(keyWidth)}  ${JSON.stringify(value ?? null).padEnd(40)} (${source})`);
      }
      return 0;
    }
    // The name this binary was started under: an upgrade renames the file to pier.previous later.
    const binary = process.execPath;
    // The token is in the config now; the processes pier starts (git, builds) must not inherit it.
    delete process.env.PIER_ADMIN_TOKEN;
    // Started by a running pier to take over from it (pier upgrade): what it hands over.
    const { joinHandover } = await import("../handover/predecessor.ts");
    const predecessor = await joinHandover();
    if (!predecessor) {
      // Two piers on one data dir would share its database and fight over its control socket.
      const { runningPier } = await import("../upgrade/control-client.ts");
      const other = await runningPier(resolved.config.dataDir).catch(() => undefined);
      if (other)
        throw new Error(
          `pier ${other.version} (pid ${other.pid}) is running on ${resolved.config.dataDir} already: stop it first, or replace it with pier upgrade`,
        );
    }
    // The whole platform loads only for `serve`: other commands start in a few ms without it.
    const { createServeLogger, startPier } = await import("../serve.ts");
    const logger = createServeLogger(resolved.config);
    keepServingOnStrayErrors(logger);
    // main.ts started pier again with these unless execve failed (e.g. under qemu-user).
    const missing = missingAllocatorSettings(process.platform, process.env);
    if (missing.length > 0)
      logger.warn("allocator settings not applied: freed memory goes back to the OS after 100 ms", {
        fix: `start pier with ${missing.join(" ")} in its environment`,
      });
    const started = performance.now();
    let pier: Awaited<ReturnType<typeof startPier>>;
    try {
      pier = await startPier(
        resolved.config,
        logger,
        predecessor
          ? { successor: { listeners: predecessor.listeners, edgeSecret: predecessor.edgeSecret } }
          : {},
      );
    } catch (error) {
      // The predecessor keeps serving and tells `pier upgrade` why.
      predecessor?.failed((error as Error).message);
      // startPier stopped what it started; should anything still hold the event loop, a failed
      // start must still end the process with the error (systemd restarts on failure).
      setTimeout(() => process.exit(1), 2_000).unref();
      throw error;
    }
    const { HandoverCoordinator, startControlServer, takeOver } = await import("../handover/index.ts");
    const coordinator = new HandoverCoordinator({
      pier,
      logger,
      args: process.argv.slice(2),
      env: process.env,
    });
    const control = startControlServer({ dataDir: resolved.config.dataDir, binary, coordinator, logger });
    if (predecessor)
      await takeOver({
        predecessor,
        pier,
        consolePort: resolved.config.consolePort,
        startupMs: Math.round(performance.now() - started),
        logger,
      });
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
    const why = await Promise.race([
      waitForShutdownSignal(),
      coordinator.handedOver.then(() => "handed over"),
    ]);
    logger.info(why === "handed over" ? "handed over: draining before exit" : "shutting down");
    const draining = performance.now();
    await pier.stop();
    coordinator.finished({ step: "stopped", drainMs: Math.round(performance.now() - draining) });
    if (why === "handed over") await control.finish();
    else await control.stop();
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
