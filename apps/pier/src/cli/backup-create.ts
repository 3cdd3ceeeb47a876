import { formatBytes } from "@pier/backup";
import { apiError, apiFetch, connectionFlags, resolveConnection } from "./api-client.ts";
import { keyFlags, keyFromFlags, progressPrinter } from "./backup-keys.ts";
import { type Command, UsageError } from "./command.ts";

/**
 * The line every form of `backup create` ends with, so the three read alike: size of the archive,
 * then what each form knows (the server's record has no size before compression; a download has no
 * file count until the server sends one).
 */
export function backupWrittenLine(done: {
  location: string;
  bytes: number;
  files?: number | null;
  uncompressedBytes?: number;
  ms: number;
  encrypted: boolean;
}): string {
  const parts = [
    formatBytes(done.bytes),
    ...(done.files == null ? [] : [`${done.files} files`]),
    ...(done.uncompressedBytes ? [`${formatBytes(done.uncompressedBytes)} before compression`] : []),
    `${(done.ms / 1000).toFixed(1)} s`,
    ...(done.encrypted ? ["encrypted"] : []),
  ];
  return `Backup written to ${done.location} (${parts.join(", ")}).`;
}

export const backupCreateCommand: Command = {
  name: "backup create",
  summary:
    "Back up everything pier keeps into one archive (from a running pier, or on the server from its data dir).",
  usage:
    "pier backup create [--to DIR|s3://BUCKET/PREFIX] [--encrypt --key-file FILE | --encrypt --passphrase-stdin] [--data-dir DIR] [--url URL --token TOKEN]",
  flags: {
    to: {
      type: "string",
      value: "DIR|s3://…",
      help: "where the archive goes, seen from where this command runs (default: the server's configured target)",
    },
    encrypt: { type: "boolean", help: "encrypt the archive (AES-256-GCM) with --key-file or a passphrase" },
    ...keyFlags,
    "data-dir": {
      type: "string",
      value: "DIR",
      help: "work on this data dir directly instead of through the API (on the server; pier may be running)",
    },
    "database-url": {
      type: "string",
      value: "URL",
      help: "with --data-dir: PostgreSQL URL, when pier runs on PostgreSQL",
    },
    ...connectionFlags,
  },
  async run(args) {
    const to = args.flags.to as string | undefined;
    const key = args.flags.encrypt ? await keyFromFlags(args, backupCreateCommand) : undefined;
    if (args.flags.encrypt && !key)
      throw new UsageError(
        "--encrypt needs a key: --key-file FILE, --passphrase-stdin, or PIER_BACKUP_PASSPHRASE",
        backupCreateCommand,
      );
    if (!args.flags.encrypt && (args.flags["key-file"] || args.flags["passphrase-stdin"]))
      throw new UsageError(
        "a key without --encrypt: add --encrypt to encrypt the archive",
        backupCreateCommand,
      );
    if (typeof args.flags["data-dir"] === "string")
      return offline(args.flags["data-dir"], args.flags["database-url"] as string | undefined, to, key);
    if (to === undefined) {
      if (key)
        throw new UsageError(
          "the server encrypts its own backups as its settings say (pier backup settings --key-file …); --encrypt goes with --to",
          backupCreateCommand,
        );
      return onServer(resolveConnection(args));
    }
    return download(resolveConnection(args), to, key);
  },
};

/** On the server: the data dir read directly (SQLite's online backup is safe while pier runs). */
async function offline(
  dataDirFlag: string,
  databaseUrlFlag: string | undefined,
  to: string | undefined,
  key: Awaited<ReturnType<typeof keyFromFlags>>,
): Promise<number> {
  const { resolveServeConfig } = await import("@pier/config");
  const { pierVersion } = await import("@pier/core");
  const { archiveName, archiveStream, isS3Location, openTarget, takeSnapshot, manifestTotals } = await import(
    "@pier/backup"
  );
  const { config } = resolveServeConfig(
    { "data-dir": dataDirFlag, "database-url": databaseUrlFlag },
    process.env,
  );
  if (!(await Bun.file(`${config.dataDir}/secret.key`).exists()) && !config.databaseUrl)
    throw new UsageError(
      `${config.dataDir} is not a pier data dir (it has no secret.key): check --data-dir`,
      backupCreateCommand,
    );
  const targetSpec = to ?? `${config.dataDir}/backups`;
  const target = openTarget(targetSpec);
  const started = Date.now();
  const progress = progressPrinter("backup");
  const snapshot = await takeSnapshot({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    clickhouse: Boolean(config.clickhouseUrl),
    version: pierVersion,
    exclude: isS3Location(targetSpec) ? [] : [target.location],
    onProgress: progress,
  });
  try {
    const name = archiveName(new Date(started), key !== undefined);
    const stored = await target.write(
      name,
      archiveStream(snapshot, { encryption: key, onProgress: progress }),
    );
    const totals = manifestTotals(snapshot.manifest);
    console.log(
      backupWrittenLine({
        location: stored.location,
        bytes: stored.bytes,
        files: totals.files,
        uncompressedBytes: totals.bytes,
        ms: Date.now() - started,
        encrypted: key !== undefined,
      }),
    );
    if (config.clickhouseUrl)
      console.log(
        "Note: ClickHouse is configured; its events (analytics, request logs, error occurrences, AI usage) are not in the archive.",
      );
    return 0;
  } finally {
    await snapshot.cleanup();
  }
}

/** POST /api/v1/backups: the server makes the archive in its configured target; progress streamed. */
async function onServer(connection: { url: string; token: string }): Promise<number> {
  const res = await apiFetch(connection, "/api/v1/backups", { method: "POST" });
  if (!res.ok || !res.body) throw apiError(res.status, await res.json().catch(() => undefined));
  const progress = progressPrinter("backup");
  let buffered = "";
  const decoder = new TextDecoder();
  for await (const chunk of res.body) {
    buffered += decoder.decode(chunk, { stream: true });
    let newline = buffered.indexOf("\n");
    while (newline !== -1) {
      const line = JSON.parse(buffered.slice(0, newline)) as {
        type: string;
        message?: string;
        run?: {
          status: string;
          archive: string | null;
          bytes: number | null;
          files: number | null;
          encrypted: boolean;
          durationMs: number | null;
          error: string | null;
          warnings: string[];
        };
      } & Parameters<typeof progress>[0];
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf("\n");
      if (line.type === "progress" && line.phase !== "waiting") progress(line);
      if (line.type === "error") throw new Error(line.message);
      if (line.type === "done" && line.run) {
        const run = line.run;
        if (run.status !== "succeeded") throw new Error(`the backup failed: ${run.error}`);
        console.log(
          backupWrittenLine({
            location: `${run.archive} on the server`,
            bytes: run.bytes ?? 0,
            files: run.files,
            ms: run.durationMs ?? 0,
            encrypted: run.encrypted,
          }),
        );
        for (const warning of run.warnings) console.log(`Note: ${warning}.`);
        return 0;
      }
    }
  }
  throw new Error("the server closed the progress stream before the backup ended: see `pier backup status`");
}

/** POST /api/v1/backups/download: the server streams the archive, stored here (DIR or s3://). */
async function download(
  connection: { url: string; token: string },
  to: string,
  key: Awaited<ReturnType<typeof keyFromFlags>>,
): Promise<number> {
  const { openTarget } = await import("@pier/backup");
  const target = openTarget(to);
  const encryption =
    key?.kind === "passphrase"
      ? { passphrase: key.passphrase }
      : key
        ? { keyFile: `pier-backup-key-1:${Buffer.from(key.key).toString("base64")}` }
        : undefined;
  // Before the server takes a snapshot (and records a backup): a target that cannot take the
  // archive fails here, with nothing made.
  await target.prepare();
  const started = Date.now();
  console.error("backup: the server is taking a snapshot…");
  const res = await apiFetch(connection, "/api/v1/backups/download", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ encryption }),
  });
  if (!res.ok || !res.body) throw apiError(res.status, await res.json().catch(() => undefined));
  const name = res.headers.get("x-pier-backup-name");
  if (!name) throw new Error("the server's answer names no archive: is it a pier server?");
  const total = Number(res.headers.get("x-pier-backup-bytes") ?? 0);
  let received = 0;
  let last = 0;
  const counted = res.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        received += chunk.length;
        if (Date.now() - last > 2000) {
          last = Date.now();
          console.error(
            `backup: received ${formatBytes(received)} (the data is ${formatBytes(total)} before compression)`,
          );
        }
        controller.enqueue(chunk);
      },
    }),
  );
  const stored = await target.write(name, counted);
  console.log(
    backupWrittenLine({
      location: stored.location,
      bytes: stored.bytes,
      uncompressedBytes: total,
      ms: Date.now() - started,
      encrypted: key !== undefined,
    }),
  );
  const warning = res.headers.get("x-pier-backup-warning");
  if (warning) console.log(`Note: ${warning}.`);
  return 0;
}
