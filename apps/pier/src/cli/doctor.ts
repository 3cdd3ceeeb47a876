import { ConfigError, resolveServeConfig } from "@pier/config";
import { pierVersion } from "@pier/core";
import { type Command, UsageError } from "./command.ts";

const configFlags = ["data-dir", "host", "http-port", "https-port", "console-port"] as const;

export const doctorCommand: Command = {
  name: "doctor",
  summary:
    "Check what this host must provide for pier (git, tar, Docker, ports, disk, clock, kernel) and how to fix it.",
  usage: "pier doctor [--data-dir DIR] [--http-port N] [--https-port N] [--console-port N] [--json]",
  flags: {
    "data-dir": { type: "string", value: "DIR", help: "the data dir to check (default as for `pier serve`)" },
    host: {
      type: "string",
      value: "ADDRESS",
      help: "address the ports are checked on (default as for `pier serve`)",
    },
    "http-port": {
      type: "string",
      value: "N",
      help: "proxy HTTP port to check (default as for `pier serve`: 80 as root, else 8080)",
    },
    "https-port": {
      type: "string",
      value: "N",
      help: "proxy HTTPS port to check (default 443 as root, else 8443)",
    },
    "console-port": { type: "string", value: "N", help: "console port to check (default 7070)" },
    json: { type: "boolean", help: "print the findings as JSON" },
  },
  async run(args) {
    const flags: Record<string, string> = {};
    for (const name of configFlags) {
      const value = args.flags[name];
      if (typeof value === "string") flags[name] = value;
    }
    let config: ReturnType<typeof resolveServeConfig>["config"];
    try {
      config = resolveServeConfig(flags, process.env).config;
    } catch (error) {
      if (error instanceof ConfigError) throw new UsageError(error.message, doctorCommand);
      throw error;
    }
    const { hasFailures, renderFindings, runHostChecks, systemProbes } = await import("../doctor/index.ts");
    const findings = await runHostChecks(systemProbes(), {
      dataDir: config.dataDir,
      host: config.host,
      httpPort: config.httpPort,
      httpsPort: config.httpsPort,
      consolePort: config.consolePort,
      checkPorts: true,
    });
    if (args.flags.json) {
      console.log(JSON.stringify({ version: pierVersion, ok: !hasFailures(findings), findings }, null, 2));
    } else {
      process.stdout.write(
        `pier ${pierVersion} doctor (${process.platform}-${process.arch})\n${renderFindings(findings)}`,
      );
    }
    return hasFailures(findings) ? 1 : 0;
  },
};
