import { type Command, type FlagSpec, intFlag, type ParsedArgs, UsageError } from "./command.ts";

const layoutFlags: Record<string, FlagSpec> = {
  "unit-dir": {
    type: "string",
    value: "DIR",
    help: "where the unit file goes (default /etc/systemd/system)",
  },
  "config-dir": {
    type: "string",
    value: "DIR",
    help: "where admin-token and pier.env go (default /etc/pier)",
  },
  "data-dir": { type: "string", value: "DIR", help: "the service's data dir (default /var/lib/pier)" },
  user: { type: "string", value: "NAME", help: "the system user the service runs as (default pier)" },
};

async function layoutFrom(args: ParsedArgs, command: Command) {
  const { defaultLayout } = await import("../service/layout.ts");
  const text = (name: string) => {
    const value = args.flags[name];
    return typeof value === "string" ? value : undefined;
  };
  const layout = {
    unitDir: text("unit-dir") ?? defaultLayout.unitDir,
    configDir: text("config-dir") ?? defaultLayout.configDir,
    dataDir: text("data-dir") ?? defaultLayout.dataDir,
    user: text("user") ?? defaultLayout.user,
    httpPort: intFlag(args, "http-port", command, { min: 1, max: 65535 }) ?? defaultLayout.httpPort,
    httpsPort: intFlag(args, "https-port", command, { min: 1, max: 65535 }) ?? defaultLayout.httpsPort,
    consolePort: intFlag(args, "console-port", command, { min: 1, max: 65535 }) ?? defaultLayout.consolePort,
  };
  for (const name of ["unit-dir", "config-dir", "data-dir"] as const) {
    const value = text(name);
    if (value !== undefined && !value.startsWith("/"))
      throw new UsageError(`--${name} must be an absolute path`, command);
  }
  // Only the real unit directory is systemd's business; elsewhere (tests) files are written, nothing is started.
  return { layout, manageSystemd: layout.unitDir === defaultLayout.unitDir };
}

/** The running executable when pier is the compiled binary; from source it is bun, which is no service. */
function runningBinary(): string | undefined {
  return Bun.main.startsWith("/$bunfs/") ? process.execPath : undefined;
}

export const serviceInstallCommand: Command = {
  name: "service install",
  summary: "Install pier as a systemd service (user pier, /var/lib/pier, ports 80/443) and start it (root).",
  usage:
    "pier service install [--binary PATH] [--http-port N] [--https-port N] [--console-port N] [--no-start]",
  flags: {
    binary: { type: "string", value: "PATH", help: "the pier binary the unit runs (default: this one)" },
    ...layoutFlags,
    "http-port": { type: "string", value: "N", help: "proxy HTTP port (default 80)" },
    "https-port": { type: "string", value: "N", help: "proxy HTTPS port (default 443)" },
    "console-port": { type: "string", value: "N", help: "console port (default 7070)" },
    "no-start": { type: "boolean", help: "install and enable, but do not start it now" },
  },
  async run(args) {
    const { layout, manageSystemd } = await layoutFrom(args, serviceInstallCommand);
    const binary = typeof args.flags.binary === "string" ? args.flags.binary : runningBinary();
    if (!binary)
      throw new UsageError(
        "pier runs from source here, which a service cannot: pass --binary PATH",
        serviceInstallCommand,
      );
    const { firstLoginCommand, installService } = await import("../service/install.ts");
    const result = installService(layout, {
      binary,
      start: !args.flags["no-start"],
      manageSystemd,
      log: (line) => console.log(line),
    });
    const lines = [
      "pier service installed:",
      `  unit         ${result.unitPath}`,
      `  user         ${layout.user}${result.userCreated ? " (created)" : ""}${result.dockerGroup ? `, in group ${result.dockerGroup} for the Docker socket` : ""}`,
      `  data dir     ${layout.dataDir}`,
      `  settings     ${layout.configDir}/pier.env`,
      `  admin token  ${result.tokenPath} (root only; ${result.tokenCreated ? "made now" : "kept from an earlier install"})`,
      `  ports        ${layout.httpPort} (HTTP), ${layout.httpsPort} (HTTPS), ${layout.consolePort} (console)`,
    ];
    if (!result.dockerGroup)
      lines.push(
        "  warning: no Docker socket group found, so the service cannot use Docker: install Docker Engine, then run this again",
      );
    lines.push(
      result.started
        ? "  state        started (systemctl status pier; logs: journalctl -u pier -f)"
        : `  state        not started: ${result.notStarted}`,
    );
    if (!result.started && result.notStarted?.startsWith("systemd is not running"))
      lines.push(
        "               it starts at the next boot under systemd; until then run pier serve yourself",
      );
    lines.push(
      "",
      "First login:",
      `  ${firstLoginCommand(layout)}`,
      `Then delete ${result.tokenPath}: the token stays valid until revoked (pier token list, pier token revoke).`,
    );
    console.log(lines.join("\n"));
    return 0;
  },
};

export const serviceStatusCommand: Command = {
  name: "service status",
  summary: "Show whether the pier service is installed, enabled and running.",
  usage: "pier service status [--json]",
  flags: { ...layoutFlags, json: { type: "boolean", help: "print the status as JSON" } },
  async run(args) {
    const { layout, manageSystemd } = await layoutFrom(args, serviceStatusCommand);
    const { serviceStatus } = await import("../service/manage.ts");
    const status = serviceStatus(layout, manageSystemd);
    const running = status.active === "active";
    if (args.flags.json) {
      console.log(JSON.stringify(status, null, 2));
      return running ? 0 : 1;
    }
    const lines = [
      `unit         ${status.unitPath} (${status.installed ? "installed" : "not installed: sudo pier service install"})`,
      status.systemd
        ? `systemd      active: ${status.active}, enabled: ${status.enabled}${running ? "" : " (start it: sudo systemctl start pier; why it stopped: journalctl -u pier -n 50)"}`
        : "systemd      not running on this machine (or not systemd's unit dir): the service cannot run here",
      `data dir     ${status.dataDir.path}${status.dataDir.exists ? ` (owner ${status.dataDir.owner})` : " (missing)"}`,
      `admin token  ${status.token.path}${status.token.exists ? ` (mode ${status.token.mode})` : " (absent)"}`,
    ];
    console.log(lines.join("\n"));
    return running ? 0 : 1;
  },
};

export const serviceUninstallCommand: Command = {
  name: "service uninstall",
  summary: "Stop and remove the pier service; keeps the data unless --purge (root).",
  usage: "pier service uninstall [--purge]",
  flags: {
    ...layoutFlags,
    purge: { type: "boolean", help: "also delete the data dir, /etc/pier and the pier user (no undo)" },
  },
  async run(args) {
    const { layout, manageSystemd } = await layoutFrom(args, serviceUninstallCommand);
    const { uninstallService } = await import("../service/manage.ts");
    const result = uninstallService(layout, { purge: Boolean(args.flags.purge), manageSystemd });
    console.log(
      [
        result.removed.length
          ? `removed: ${result.removed.join(", ")}`
          : "nothing to remove: the service was not installed",
        ...(result.kept.length
          ? [`kept: ${result.kept.join(", ")} (sudo pier service uninstall --purge deletes them)`]
          : []),
      ].join("\n"),
    );
    return 0;
  },
};

export const serviceCommands: Command[] = [
  serviceInstallCommand,
  serviceStatusCommand,
  serviceUninstallCommand,
];
