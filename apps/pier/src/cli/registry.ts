import { adminCreateCommand } from "./admin.ts";
import { aiCommands } from "./ai.ts";
import { appsCreateCommand, appsDeleteCommand, appsListCommand } from "./apps.ts";
import { backupCommands } from "./backup.ts";
import { clusterCommands } from "./cluster.ts";
import type { Command } from "./command.ts";
import { cronCommands } from "./cron.ts";
import { deployCommand } from "./deploy.ts";
import { deploymentsListCommand } from "./deployments.ts";
import { doctorCommand } from "./doctor.ts";
import { domainsAddCommand, domainsListCommand, domainsRemoveCommand } from "./domains.ts";
import { envListCommand, envSetCommand, envUnsetCommand } from "./env.ts";
import { errorsCommands } from "./errors.ts";
import { loginCommand } from "./login.ts";
import { logsCommand } from "./logs.ts";
import { uptimeCommands } from "./monitors.ts";
import { rollbackCommand } from "./rollback.ts";
import { execCommand, runCommand } from "./run.ts";
import { serveCommand } from "./serve.ts";
import { serviceCommands } from "./service.ts";
import { servicesCommands } from "./services.ts";
import { tokenCreateCommand, tokenListCommand, tokenRevokeCommand } from "./token.ts";
import { tracesCommands } from "./traces.ts";
import { upgradeCommand } from "./upgrade.ts";
import { versionCommand } from "./version.ts";

export const commands: Command[] = [
  serveCommand,
  loginCommand,
  appsCreateCommand,
  appsListCommand,
  appsDeleteCommand,
  tokenCreateCommand,
  tokenListCommand,
  tokenRevokeCommand,
  adminCreateCommand,
  versionCommand,
  deployCommand,
  rollbackCommand,
  deploymentsListCommand,
  envSetCommand,
  envUnsetCommand,
  envListCommand,
  domainsAddCommand,
  domainsRemoveCommand,
  domainsListCommand,
  logsCommand,
  ...aiCommands,
  ...uptimeCommands,
  ...errorsCommands,
  ...tracesCommands,
  ...cronCommands,
  runCommand,
  execCommand,
  ...backupCommands,
  ...servicesCommands,
  ...clusterCommands,
  doctorCommand,
  ...serviceCommands,
  upgradeCommand,
];

/** Longest match first, so `apps create` wins over a group named `apps`. */
export function findCommand(argv: string[]): { command: Command; rest: string[] } | undefined {
  for (const words of [2, 1]) {
    const name = argv.slice(0, words).join(" ");
    const command = commands.find((c) => c.name === name);
    if (command) return { command, rest: argv.slice(words) };
  }
  return undefined;
}

export function commandsInGroup(group: string): Command[] {
  return commands.filter((c) => c.name.startsWith(`${group} `));
}
