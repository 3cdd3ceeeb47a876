import { PierError } from "@pier/core";

/** The archive is not what its manifest says (a flipped byte, a truncated upload, an edited member). */
export class BackupDamagedError extends PierError {
  /** What is wrong, without restore's advice: `backup verify`, which restores nothing, adds its own. */
  readonly reason: string;

  constructor(what: string) {
    const reason = `The archive is damaged or was changed: ${what}.`;
    super("backup_damaged", `${reason} Nothing was restored; use another archive.`, 422);
    this.reason = reason;
  }
}

/** The archive cannot be restored here as asked (newer pier, wrong dialect, non-empty target). */
export class RestoreRefusedError extends PierError {
  constructor(message: string) {
    super("restore_refused", message, 409);
  }
}

/** The archive is encrypted and no (or the wrong) passphrase or key file was given. */
export class BackupKeyError extends PierError {
  constructor(message: string) {
    super("backup_key", message, 400);
  }
}

/** A target (directory or s3://…) that cannot be used, with what to fix. */
export class BackupTargetError extends PierError {
  constructor(message: string) {
    super("backup_target", message, 400);
  }
}

/** A second backup while one runs in this process. */
export class BackupRunningError extends PierError {
  constructor() {
    super(
      "backup_running",
      "A backup is already running on this pier; wait for it to finish (GET /api/v1/backups).",
      409,
    );
  }
}
