import { NotFoundError } from "@pier/core";
import { keepOpen, type RouteGroup, serveRoute } from "@pier/http";
import { throttled } from "../archive/progress.ts";
import { BackupKeyError } from "../errors.ts";
import { parseKeyFile } from "../format/encryption.ts";
import type { BackupService } from "../service.ts";
import { type BackupProgressLine, backupRoutes } from "./contract.ts";
import { runView, settingsView } from "./presenters.ts";

const encoder = new TextEncoder();
const keepAliveMs = 5_000;

/** `/api/v1/backups`: runs, run now (progress streamed), download, settings. */
export function backupsRoutes(
  group: RouteGroup,
  backups: BackupService,
  onSettingsChanged: () => void,
): void {
  const view = async () => settingsView(await backups.settings(), backups.defaultTarget());

  serveRoute(group, backupRoutes.listPierBackups, async () => ({
    runs: (await backups.runs.list()).map(runView),
    settings: await view(),
  }));

  serveRoute(group, backupRoutes.getPierBackupRun, async ({ params }) => {
    const row = await backups.runs.find(params.id);
    if (!row) throw new NotFoundError("Backup run", params.id);
    return { run: runView(row) };
  });

  serveRoute(group, backupRoutes.getPierBackupSettings, async () => ({ settings: await view() }));

  serveRoute(group, backupRoutes.updatePierBackupSettings, async ({ body }) => {
    await backups.updateSettings(body);
    onSettingsChanged();
    return { settings: await view() };
  });

  serveRoute(group, backupRoutes.runPierBackup, async (_, c) => {
    keepOpen(c.env, c.req.raw);
    // The backup goes on when the client hangs up: it only stops hearing about it.
    let send: (line: BackupProgressLine | { type: "done"; run: ReturnType<typeof runView> }) => void =
      () => {};
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        let open = true;
        send = (line) => {
          if (!open) return;
          try {
            controller.enqueue(encoder.encode(`${JSON.stringify(line)}\n`));
            if (line.type !== "progress") {
              open = false;
              controller.close();
            }
          } catch {
            open = false;
          }
        };
      },
    });
    const alive = setInterval(
      () => send({ type: "progress", phase: "waiting", files: 0, bytes: 0 }),
      keepAliveMs,
    );
    backups
      .run({ trigger: "manual", onProgress: throttled((p) => send({ type: "progress", ...p })) })
      .then((row) => {
        if (row) send({ type: "done", run: runView(row) });
        else send({ type: "error", message: "another pier process is making this backup" });
      })
      .catch((error: Error) => send({ type: "error", message: error.message }))
      .finally(() => clearInterval(alive));
    return new Response(body, {
      headers: { "content-type": "application/x-ndjson", "cache-control": "no-store" },
    });
  });

  serveRoute(group, backupRoutes.downloadPierBackup, async ({ body }, c) => {
    keepOpen(c.env, c.req.raw);
    const given = body.encryption;
    let key: Parameters<BackupService["download"]>[0];
    if (given && "passphrase" in given) key = { kind: "passphrase", passphrase: given.passphrase };
    else if (given && "keyFile" in given) {
      try {
        key = { kind: "key-file", key: parseKeyFile(given.keyFile) };
      } catch (error) {
        throw new BackupKeyError(`keyFile: ${(error as Error).message}`);
      }
    }
    const download = await backups.download(key);
    return new Response(download.stream, {
      headers: {
        "content-type": "application/octet-stream",
        "content-disposition": `attachment; filename="${download.name}"`,
        "cache-control": "no-store",
        "x-pier-backup-name": download.name,
        "x-pier-backup-run": download.run.id,
        "x-pier-backup-bytes": String(download.totalBytes),
        ...(download.run.warnings.length
          ? { "x-pier-backup-warning": download.run.warnings.join("; ") }
          : {}),
      },
    });
  });
}
