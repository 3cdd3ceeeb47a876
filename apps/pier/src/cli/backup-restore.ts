import { BackupDamagedError, formatBytes } from "@pier/backup";
import { keyFlags, keyFromFlags, progressPrinter } from "./backup-keys.ts";
import { type Command, requireStringFlag } from "./command.ts";

/**
 * A damaged archive's message is written for restore ("Nothing was restored"); verify never
 * restores, so it says what the result means for this archive instead.
 */
export function verifyFailure(label: string, error: unknown): unknown {
  if (!(error instanceof BackupDamagedError)) return error;
  return new Error(
    `${label} failed verification. ${error.reason} Do not rely on it: use another archive, or make a new backup.`,
  );
}
const archivePositional = [{ name: "ARCHIVE", required: true }];

async function openArchiveStream(spec: string) {
  const { openArchive } = await import("@pier/backup");
  const { target, name } = openArchive(spec);
  return { stream: await target.read(name), label: spec };
}

export const backupVerifyCommand: Command = {
  name: "backup verify",
  summary: "Read an archive end to end and check every member against its manifest's checksums.",
  usage: "pier backup verify ARCHIVE [--key-file FILE | --passphrase-stdin]",
  positionals: archivePositional,
  flags: { ...keyFlags },
  async run(args) {
    const { readArchive, manifestTotals } = await import("@pier/backup");
    const key = await keyFromFlags(args, backupVerifyCommand);
    const { stream, label } = await openArchiveStream(args.positionals[0]!);
    const { manifest, encrypted } = await readArchive(stream, key, {
      onProgress: progressPrinter("verify"),
    }).catch((error: unknown) => {
      throw verifyFailure(label, error);
    });
    const totals = manifestTotals(manifest);
    console.log(
      `${label}: OK. pier ${manifest.pierVersion} backup of ${manifest.hostname}:${manifest.dataDir}, made ${manifest.createdAt}; ${totals.files} files (${formatBytes(totals.bytes)}), ${manifest.dialect === "postgres" ? "PostgreSQL dump" : "SQLite databases"}${encrypted ? ", encrypted" : ""}; every checksum matches.`,
    );
    if (manifest.clickhouse)
      console.log("Note: ClickHouse was configured; its events are not in this archive.");
    return 0;
  },
};

export const backupRestoreCommand: Command = {
  name: "backup restore",
  summary: "Restore an archive into an empty data dir (checks every checksum before writing anything).",
  usage:
    "pier backup restore ARCHIVE --data-dir DIR [--database-url URL] [--force] [--keep-instance-id] [--key-file FILE | --passphrase-stdin]",
  positionals: archivePositional,
  flags: {
    "data-dir": { type: "string", value: "DIR", help: "the data dir to restore into (empty or new)" },
    "database-url": {
      type: "string",
      value: "URL",
      help: "for an archive of a pier on PostgreSQL: the empty database to restore into (default PIER_DATABASE_URL)",
    },
    force: {
      type: "boolean",
      help: "replace pier's files in a non-empty data dir (and tables in a non-empty database); stop pier first",
    },
    "keep-instance-id": {
      type: "boolean",
      help: "keep the archived pier's instance id: the restored pier adopts its containers on this Docker Engine (only when replacing that pier)",
    },
    ...keyFlags,
  },
  async run(args) {
    const { pierVersion } = await import("@pier/core");
    const { describePlan, describeServicePlan, fileSize, isS3Location, restoreArchive } = await import(
      "@pier/backup"
    );
    const dataDir = requireStringFlag(args, "data-dir", backupRestoreCommand);
    // A running pier keeps its database open and its key in memory: replacing them under it
    // would lose what it writes next and leave it with a key that no longer matches the files.
    const { runningPier } = await import("../upgrade/control-client.ts");
    const running = await runningPier(dataDir).catch(() => undefined);
    if (running)
      throw new Error(
        `pier ${running.version} (pid ${running.pid}) is running on ${dataDir}: stop it first (systemctl stop pier, or end pier serve), then restore`,
      );
    const key = await keyFromFlags(args, backupRestoreCommand);
    const spec = args.positionals[0]!;
    const { stream } = await openArchiveStream(spec);
    const databaseUrl =
      (args.flags["database-url"] as string | undefined) ?? (process.env.PIER_DATABASE_URL || undefined);
    const started = Date.now();
    const report = await restoreArchive({
      source: stream,
      archiveName: spec,
      archiveBytes: isS3Location(spec) ? undefined : await fileSize(spec),
      key,
      dataDir,
      databaseUrl,
      force: Boolean(args.flags.force),
      keepInstanceId: Boolean(args.flags["keep-instance-id"]),
      version: pierVersion,
      onProgress: progressPrinter("restore"),
    });
    const m = report.manifest;
    console.log(
      `Restored ${report.files} files (${formatBytes(report.bytes)}) of the pier ${m.pierVersion} backup of ${m.hostname}, made ${m.createdAt}, into ${dataDir}${m.dialect === "postgres" ? " and the PostgreSQL database" : ""} (${((Date.now() - started) / 1000).toFixed(1)} s). Every checksum matched.`,
    );
    if (report.relocatedReleases > 0)
      console.log(
        `Static releases now read from ${dataDir} instead of ${m.dataDir}: ${report.relocatedReleases}.`,
      );
    if (report.apps.length > 0) {
      console.log("\nLive releases, as they come back at the first start:");
      for (const plan of report.apps) console.log(`  ${describePlan(plan)}`);
    }
    if (report.services.length > 0) {
      console.log("\nServices: their containers and live volumes are not in the archive; their backups are:");
      for (const plan of report.services)
        for (const line of describeServicePlan(plan)) console.log(`  ${line}`);
    }
    if (m.clickhouse)
      console.log(
        "\nClickHouse was configured: its events are not in the archive; point PIER_CLICKHOUSE_URL at your ClickHouse.",
      );
    console.log(
      `\nStart it: pier serve --data-dir ${dataDir}${m.dialect === "postgres" ? " (with PIER_DATABASE_URL set to that database)" : ""}. Migrations of a newer pier run at that start as usual.`,
    );
    return 0;
  },
};
