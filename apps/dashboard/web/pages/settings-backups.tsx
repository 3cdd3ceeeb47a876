import { useEffect, useState } from "preact/hooks";
import { failure, pier, writeHeaders } from "../api.ts";
import { TextField } from "../components/text-field.tsx";
import { CardsTable, ErrorBox, ListState, useAction } from "../components/ui.tsx";
import { formatDuration, relativeTime } from "../format.ts";
import { useApi } from "../use-api.ts";

const tones = { succeeded: "ok", running: "warn", failed: "bad" } as const;

function size(bytes: number | null): string {
  if (bytes === null) return "–";
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Settings → Backups: the schedule, "back up now", and every run with its result, size and duration. */
export function BackupsPanel() {
  const backups = useApi(() => pier.call("GET /api/v1/backups"), [], 10_000);
  const [schedule, setSchedule] = useState("");
  const [keep, setKeep] = useState("");
  const [target, setTarget] = useState("");
  const [saved, setSaved] = useState(false);
  const save = useAction();
  const now = useAction();
  useEffect(() => {
    const settings = backups.data?.settings;
    if (!settings || save.busy) return;
    setSchedule(settings.schedule);
    setKeep(String(settings.keep));
    setTarget(settings.target ?? "");
  }, [backups.data?.settings.schedule, backups.data?.settings.keep, backups.data?.settings.target]);
  const settings = backups.data?.settings;
  return (
    <div class="panel" data-testid="backups-panel">
      <h2>Backups</h2>
      {settings ? (
        <p class="small muted">
          Archives go to <span class="mono">{settings.effectiveTarget}</span>
          {settings.encryption.kind === "none" ? ", unencrypted" : ", encrypted"}.
          {settings.nextRunAt
            ? ` Next scheduled backup ${new Date(settings.nextRunAt).toLocaleString()}.`
            : ""}
        </p>
      ) : null}
      <form
        class="stack"
        onSubmit={(event) => {
          event.preventDefault();
          setSaved(false);
          save.run(async () => {
            await pier.call("PUT /api/v1/backups/settings", {
              body: { schedule, keep: Number(keep), target: target || null },
            });
            await backups.reload();
            setSaved(true);
          });
        }}
      >
        <TextField
          label="Schedule"
          name="backup-schedule"
          placeholder="daily 03:00"
          value={schedule}
          onValue={setSchedule}
          trim
        />
        <span class="small muted">
          off, hourly, "daily HH:MM" or "weekly sun HH:MM", in the server's time zone.
        </span>
        <TextField label="Keep" name="backup-keep" placeholder="7" value={keep} onValue={setKeep} trim />
        <TextField
          label="Target"
          name="backup-target"
          placeholder="DATA_DIR/backups or s3://bucket/prefix"
          value={target}
          onValue={setTarget}
          trim
        />
        <ErrorBox error={save.error ?? now.error} />
        {saved ? <div class="notice">Backup settings saved.</div> : null}
        <div class="row">
          <button type="submit" class="primary" disabled={save.busy || !settings}>
            Save backup settings
          </button>
          <button
            type="button"
            disabled={now.busy}
            onClick={() =>
              now.run(async () => {
                const response = await fetch("/api/v1/backups", {
                  method: "POST",
                  credentials: "same-origin",
                  headers: writeHeaders(false),
                });
                if (!response.ok) throw await failure(response, "Back up now");
                // The answer is progress lines until the run ends; the table shows the result.
                await response.text();
                await backups.reload();
              })
            }
          >
            {now.busy ? "Backing up…" : "Back up now"}
          </button>
        </div>
      </form>
      <ListState
        query={backups}
        what="backups"
        isEmpty={(data) => data.runs.length === 0}
        empty="No backups yet."
      >
        {(data) => (
          <CardsTable
            testid="backups-table"
            columns={["Started", "Trigger", "Result", "Size", "Duration", "Archive"]}
            rows={data.runs}
          >
            {(run) => (
              <tr key={run.id} data-run={run.id}>
                <td data-label="Started">{relativeTime(run.startedAt)}</td>
                <td data-label="Trigger">{run.trigger}</td>
                <td data-label="Result">
                  <span class={`badge ${tones[run.status]}`}>{run.status}</span>
                </td>
                <td data-label="Size">{size(run.bytes)}</td>
                <td data-label="Duration">
                  {run.durationMs === null ? "–" : formatDuration(run.durationMs)}
                </td>
                <td data-label="Archive" class={run.status === "failed" ? "" : "mono"}>
                  {run.status === "failed" ? run.error : (run.archive ?? "")}
                </td>
              </tr>
            )}
          </CardsTable>
        )}
      </ListState>
    </div>
  );
}
