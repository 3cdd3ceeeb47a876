import { formatBytes, parseSchedule } from "@pier/backup";
import type { PierRoute } from "@pier/contract";
import type { ClientInput, RouteOf } from "@pier/http/contract";
import { connectionFlags, pierApi, resolveConnection } from "./api-client.ts";
import { type Command, intFlag, UsageError } from "./command.ts";

type SettingsBody = ClientInput<RouteOf<PierRoute, "PUT /api/v1/backups/settings">>["body"];
const size = (n: number | null) => (n === null ? "-" : formatBytes(n));

/**
 * Platform backups run in the server's local time zone while service backups run in UTC: the
 * line says which, and gives the next run in UTC, which reads the same from any machine.
 */
export function scheduleLine(schedule: string, nextRunAt: string | null): string {
  if (schedule === "off") return "off";
  const next = nextRunAt ? `; next ${nextRunAt.replace("T", " ").replace(/:\d\d(\.\d+)?Z$/, " UTC")}` : "";
  return `${schedule} (server's local time zone${next})`;
}

export const backupStatusCommand: Command = {
  name: "backup status",
  summary: "Show the server's backup schedule and its recent backups with result, size and duration.",
  usage: "pier backup status [--json]",
  flags: { json: { type: "boolean", help: "print JSON" }, ...connectionFlags },
  async run(args) {
    const answer = await pierApi(resolveConnection(args)).call("GET /api/v1/backups");
    if (args.flags.json) {
      console.log(JSON.stringify(answer, null, 2));
      return 0;
    }
    const s = answer.settings;
    const encryption =
      s.encryption.kind === "none"
        ? "off"
        : s.encryption.kind === "key-file"
          ? `key file ${s.encryption.path}`
          : `passphrase from $${s.encryption.name}`;
    console.log(
      `Schedule: ${scheduleLine(s.schedule, s.nextRunAt)}; keep ${s.keep}; target ${s.effectiveTarget}; encryption ${encryption}`,
    );
    if (answer.runs.length === 0) {
      console.log("No backups yet. Make one with `pier backup create`.");
      return 0;
    }
    console.log("\nSTARTED                   TRIGGER   STATUS     SIZE       DURATION  ARCHIVE / ERROR");
    for (const run of answer.runs.slice(0, 20)) {
      const duration = run.durationMs === null ? "-" : `${(run.durationMs / 1000).toFixed(1)}s`;
      console.log(
        `${run.startedAt.padEnd(24)}  ${run.trigger.padEnd(8)}  ${run.status.padEnd(9)}  ${size(run.bytes).padEnd(9)}  ${duration.padEnd(8)}  ${run.status === "failed" ? run.error : (run.archive ?? "")}`,
      );
    }
    return 0;
  },
};

export const backupSettingsCommand: Command = {
  name: "backup settings",
  summary:
    'Show or change scheduled backups: --schedule "daily 03:00", --keep 7, --target DIR|s3://…, encryption.',
  usage:
    'pier backup settings [--schedule "daily 03:00"|hourly|"weekly sun 03:00"|off] [--keep N] [--target DIR|s3://BUCKET/PREFIX|default] [--key-file PATH | --passphrase-env NAME | --no-encryption]',
  flags: {
    schedule: {
      type: "string",
      value: "WHEN",
      help: 'off, hourly, "daily HH:MM" or "weekly DAY HH:MM" (server local time)',
    },
    keep: { type: "string", value: "N", help: "archives kept in the target after each scheduled backup" },
    target: {
      type: "string",
      value: "DIR|s3://…",
      help: 'a directory on the server or s3://bucket/prefix; "default" = DATA_DIR/backups',
    },
    "key-file": {
      type: "string",
      value: "PATH",
      help: "encrypt with this key file on the server (pier backup keygen)",
    },
    "passphrase-env": {
      type: "string",
      value: "NAME",
      help: "encrypt with the passphrase in this variable of pier's environment",
    },
    "no-encryption": { type: "boolean", help: "store archives unencrypted" },
    ...connectionFlags,
  },
  async run(args) {
    const api = pierApi(resolveConnection(args));
    const body: SettingsBody = {};
    if (typeof args.flags.schedule === "string") {
      if (!parseSchedule(args.flags.schedule))
        throw new UsageError(
          `--schedule "${args.flags.schedule}" is not a schedule: write off, hourly, "daily HH:MM" or "weekly DAY HH:MM"`,
          backupSettingsCommand,
        );
      body.schedule = args.flags.schedule;
    }
    const keep = intFlag(args, "keep", backupSettingsCommand, { min: 1, max: 10_000 });
    if (keep !== undefined) body.keep = keep;
    if (typeof args.flags.target === "string")
      body.target = args.flags.target === "default" ? null : args.flags.target;
    const encryptions = ["key-file", "passphrase-env", "no-encryption"].filter(
      (f) => args.flags[f] !== undefined,
    );
    if (encryptions.length > 1)
      throw new UsageError(
        "give one of --key-file, --passphrase-env and --no-encryption",
        backupSettingsCommand,
      );
    if (typeof args.flags["key-file"] === "string")
      body.encryption = { kind: "key-file", path: args.flags["key-file"] };
    if (typeof args.flags["passphrase-env"] === "string")
      body.encryption = { kind: "passphrase-env", name: args.flags["passphrase-env"] };
    if (args.flags["no-encryption"]) body.encryption = { kind: "none" };
    const { settings } =
      Object.keys(body).length > 0
        ? await api.call("PUT /api/v1/backups/settings", { body })
        : await api.call("GET /api/v1/backups/settings");
    console.log(
      `Schedule: ${settings.schedule}${settings.nextRunAt ? ` (next ${settings.nextRunAt})` : ""}; keep ${settings.keep}; target ${settings.effectiveTarget}; encryption ${settings.encryption.kind}`,
    );
    return 0;
  },
};
