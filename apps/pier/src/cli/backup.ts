import { backupKeygenCommand, backupListCommand, backupPruneCommand } from "./backup-archives.ts";
import { backupCreateCommand } from "./backup-create.ts";
import { backupRestoreCommand, backupVerifyCommand } from "./backup-restore.ts";
import { backupSettingsCommand, backupStatusCommand } from "./backup-server.ts";
import type { Command } from "./command.ts";

/** `pier backup …`: archives of the whole pier, their targets, and the server's schedule. */
export const backupCommands: Command[] = [
  backupCreateCommand,
  backupListCommand,
  backupVerifyCommand,
  backupPruneCommand,
  backupRestoreCommand,
  backupStatusCommand,
  backupSettingsCommand,
  backupKeygenCommand,
];
