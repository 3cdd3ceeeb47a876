import { existsSync } from "node:fs";
import { open, rm } from "node:fs/promises";
import { formatBytes } from "@pier/backup";
import type { PierRoute } from "@pier/contract";
import type { ClientOutput, RouteOf } from "@pier/http/contract";
import { apiError, apiFetch, connectionFlags, pierApi, resolveConnection } from "./api-client.ts";
import { type Command, intFlag, type ParsedArgs, requireStringFlag, UsageError } from "./command.ts";
import { confirmByName, confirmFlag } from "./confirm.ts";
import { followRestarts } from "./restart-follow.ts";
import { attachTerminal } from "./run.ts";

type Service = ClientOutput<RouteOf<PierRoute, "GET /api/v1/services/:service">>["service"];
type Backup = ClientOutput<RouteOf<PierRoute, "GET /api/v1/services/:service">>["backups"][number];

const json = { type: "boolean", help: "print JSON" } as const;
const nameArg = [{ name: "NAME", required: true }];
const service = (args: ParsedArgs) => ({ service: args.positionals[0]! });
const str = (args: ParsedArgs, key: string) =>
  typeof args.flags[key] === "string" ? (args.flags[key] as string) : undefined;

const backupLine = (b: Backup) =>
  `${b.id}  ${b.startedAt.slice(0, 19).replace("T", " ")}  ${b.status.padEnd(7)}  ${(b.sizeBytes === null ? "-" : formatBytes(b.sizeBytes)).padStart(10)}  ${b.durationMs === null ? "-" : `${(b.durationMs / 1000).toFixed(1)}s`}  ${b.source === "volume" ? "snapshot" : b.format}${b.encrypted ? " encrypted" : ""}  ${b.location}${b.error ? `  (${b.error})` : ""}`;

function printService(s: Service): void {
  console.log(`${s.name}: ${s.kind} ${s.version} (${s.image}), ${s.health}`);
  console.log(`  reachable from linked apps at ${s.host}:${s.port}; data in the volume ${s.volume}`);
  if (s.memoryBytes) console.log(`  memory cap ${formatBytes(s.memoryBytes)}`);
  console.log(
    `  linked to: ${s.links.length ? s.links.map((l) => `${l.app} (${l.envVar}${l.previews.length ? `; previews: ${l.previews.join(", ")}` : ""})`).join(", ") : "no app (pier services link NAME --app APP)"}`,
  );
  const b = s.backup;
  console.log(
    `  backups: ${b.schedule ? `${b.schedule} UTC, keep ${b.keep}, next ${b.nextRunAt}` : "on demand"}, to ${b.target}${b.encrypt ? ", encrypted" : ""}`,
  );
  if (s.lastError) console.log(`  last error: ${s.lastError}`);
}

function backupSettings(args: ParsedArgs, command: Command) {
  const backup: { schedule?: string | null; keep?: number; target?: string; encrypt?: boolean } = {};
  const schedule = str(args, "backup");
  if (schedule !== undefined) backup.schedule = schedule === "off" ? null : schedule;
  const keep = intFlag(args, "keep", command, { min: 1, max: 1000 });
  if (keep !== undefined) backup.keep = keep;
  if (str(args, "backup-to")) backup.target = str(args, "backup-to");
  if (args.flags["encrypt-backups"]) backup.encrypt = true;
  return Object.keys(backup).length ? backup : undefined;
}

const backupFlags = {
  backup: {
    type: "string",
    value: "SCHEDULE",
    help: 'scheduled backups: "daily 03:00", "hourly", "weekly sun 04:00", "every 6h" (UTC); "off" to stop',
  },
  keep: { type: "string", value: "N", help: "backups kept by the schedule (default 7)" },
  "backup-to": {
    type: "string",
    value: "TARGET",
    help: "local (the data dir, default) or s3://BUCKET/PREFIX",
  },
  "encrypt-backups": {
    type: "boolean",
    help: "encrypt backups (AES-256-GCM, key sealed with pier's secret key)",
  },
} as const;

const createCommand: Command = {
  name: "services create",
  summary: "Create a managed PostgreSQL, MySQL, MariaDB or Redis service (container, volume, credentials).",
  usage:
    "pier services create postgres|mysql|mariadb|redis NAME [--version V] [--memory 512m] [--backup SCHEDULE]",
  positionals: [
    { name: "KIND", required: true },
    { name: "NAME", required: true },
  ],
  flags: {
    version: {
      type: "string",
      value: "V",
      help: "e.g. 16, 16.4, 10.11, 7 (default: the kind's current major)",
    },
    memory: { type: "string", value: "SIZE", help: 'memory cap, e.g. 512m, 1g or "none"' },
    ...backupFlags,
    json,
    ...connectionFlags,
  },
  async run(args) {
    const [kind, name] = args.positionals as [string, string];
    if (!["postgres", "mysql", "mariadb", "redis"].includes(kind))
      throw new UsageError(`unknown kind "${kind}": use postgres, mysql, mariadb or redis`, this);
    const body = {
      name,
      kind: kind as "postgres",
      version: str(args, "version"),
      memory: str(args, "memory"),
      backup: backupSettings(args, this),
    };
    console.error(`Creating ${kind} service ${name} (waiting for its health check)...`);
    const { service: s } = await pierApi(resolveConnection(args)).call("POST /api/v1/services", { body });
    if (args.flags.json) console.log(JSON.stringify(s, null, 2));
    else {
      printService(s);
      console.log(`Link it to an app: pier services link ${s.name} --app APP`);
    }
    return 0;
  },
};

const listCommand: Command = {
  name: "services list",
  summary: "List services with their health, links and last backup.",
  usage: "pier services list [--json]",
  flags: { json, ...connectionFlags },
  async run(args) {
    const { services } = await pierApi(resolveConnection(args)).call("GET /api/v1/services");
    if (args.flags.json) console.log(JSON.stringify(services, null, 2));
    else if (!services.length)
      console.log("No services yet. Create one with `pier services create postgres NAME`.");
    else {
      const width = Math.max(4, ...services.map((s) => s.name.length));
      console.log(`${"NAME".padEnd(width)}  KIND      VERSION  HEALTH     LINKED TO            LAST BACKUP`);
      for (const s of services) {
        const last = s.lastBackup ? `${s.lastBackup.startedAt.slice(0, 16)} ${s.lastBackup.status}` : "-";
        const links = s.links.map((l) => l.app).join(",") || "-";
        console.log(
          `${s.name.padEnd(width)}  ${s.kind.padEnd(8)}  ${s.version.padEnd(7)}  ${s.health.padEnd(9)}  ${links.padEnd(19)}  ${last}`,
        );
      }
    }
    return 0;
  },
};

const infoCommand: Command = {
  name: "services info",
  summary: "Show a service: health, where apps reach it, links, backup settings and recent backups.",
  usage: "pier services info NAME [--json]",
  positionals: nameArg,
  flags: { json, ...connectionFlags },
  async run(args) {
    const answer = await pierApi(resolveConnection(args)).call("GET /api/v1/services/:service", {
      params: service(args),
    });
    if (args.flags.json) {
      console.log(JSON.stringify(answer, null, 2));
      return 0;
    }
    printService(answer.service);
    console.log(
      answer.backups.length ? "\nBackups (newest first):" : "\nNo backups yet (pier services backup NAME).",
    );
    for (const b of answer.backups.slice(0, 20)) console.log(`  ${backupLine(b)}`);
    return 0;
  },
};

const detach = {
  type: "boolean",
  help: "return once the app's restart is queued, without following it (its outcome is not checked)",
} as const;

const linkCommand: Command = {
  name: "services link",
  summary:
    "Link a service to an app: a private network, and its URL in the app's env (the app restarts; the command follows it).",
  usage: "pier services link NAME --app APP [--var DATABASE_URL] [--detach]",
  positionals: nameArg,
  flags: {
    app: { type: "string", value: "APP", help: "the app" },
    var: { type: "string", value: "NAME", help: "env var for the URL (default DATABASE_URL, or REDIS_URL)" },
    detach,
    ...connectionFlags,
  },
  async run(args) {
    const app = requireStringFlag(args, "app", this);
    const name = args.positionals[0]!;
    const connection = resolveConnection(args);
    const { link, restarting } = await pierApi(connection).call("POST /api/v1/services/:service/links", {
      params: service(args),
      body: { app, envVar: str(args, "var") },
    });
    console.log(
      `Linked ${name} to ${app} as ${link.envVar}; ${restarting.length ? `restarting (${restarting.join(", ")})` : "the next deploy gets it"}.`,
    );
    if (!restarting.length || args.flags.detach) return 0;
    return followRestarts(connection, restarting, {
      app,
      stored: `The link is stored (${link.envVar} is in ${app}'s env)`,
      undo: `\`pier services unlink ${name} --app ${app}\``,
    });
  },
};

const unlinkCommand: Command = {
  name: "services unlink",
  summary:
    "Unlink a service from an app: its variable leaves the app's env (the app restarts; the command follows it).",
  usage: "pier services unlink NAME --app APP [--detach]",
  positionals: nameArg,
  flags: { app: { type: "string", value: "APP", help: "the app" }, detach, ...connectionFlags },
  async run(args) {
    const app = requireStringFlag(args, "app", this);
    const name = args.positionals[0]!;
    const connection = resolveConnection(args);
    const { restarting } = await pierApi(connection).call("DELETE /api/v1/services/:service/links/:app", {
      params: { ...service(args), app },
    });
    console.log(
      `Unlinked ${name} from ${app}${restarting.length ? `; restarting (${restarting.join(", ")})` : ""}.`,
    );
    if (!restarting.length || args.flags.detach) return 0;
    return followRestarts(connection, restarting, {
      app,
      stored: `The link is removed (its variable is out of ${app}'s stored env)`,
      undo: `\`pier services link ${name} --app ${app}\``,
    });
  },
};

const backupCommand: Command = {
  name: "services backup",
  summary: "Back up a service now: a logical dump (pg_dump, mariadb-dump, Redis RDB) or a volume snapshot.",
  usage: "pier services backup NAME [--snapshot] [--json]",
  positionals: nameArg,
  flags: {
    snapshot: {
      type: "boolean",
      help: "a tar of the data volume (the service stops meanwhile) instead of a dump",
    },
    json,
    ...connectionFlags,
  },
  async run(args) {
    const { backup } = await pierApi(resolveConnection(args)).call("POST /api/v1/services/:service/backups", {
      params: service(args),
      body: { snapshot: args.flags.snapshot === true },
    });
    if (args.flags.json) console.log(JSON.stringify(backup, null, 2));
    else console.log(`Backed up ${args.positionals[0]}: ${backupLine(backup)}`);
    return 0;
  },
};

/** A restore replaces live data (not undone): the target's name typed, or `--confirm TARGET`. */
const confirmReplace = (args: ParsedArgs, command: Command, target: string, what: string) =>
  confirmByName(args, command, {
    target,
    prompt: `Replace ${what} (not undone)? Type ${target} to confirm: `,
    refusal: `restoring replaces ${what} (not undone): add --confirm ${target} to restore without a prompt`,
    undone: "restored",
  });

export const restoreCommand: Command = {
  name: "services restore",
  summary:
    "Restore a backup into the service (its data is replaced), or into a new service (--to); the backup is verified first.",
  usage: "pier services restore NAME BACKUP [--confirm NAME | --to NEW_NAME [--version V]]",
  positionals: [
    { name: "NAME", required: true },
    { name: "BACKUP", required: true },
  ],
  flags: {
    to: { type: "string", value: "NEW_NAME", help: "create this service and restore into it instead" },
    version: {
      type: "string",
      value: "V",
      help: "with --to: the new service's version (a dump moves up majors)",
    },
    confirm: confirmFlag("NAME", "the service's name"),
    ...connectionFlags,
  },
  async run(args) {
    const [name, backup] = args.positionals as [string, string];
    const api = pierApi(resolveConnection(args));
    if (str(args, "to") === undefined) {
      // Asking to type the name of a service that does not exist would be a question for nothing.
      await api.call("GET /api/v1/services/:service", { params: { service: name } });
      await confirmReplace(args, this, name, `the data of ${name} with ${backup}`);
    }
    console.error(`Restoring ${backup} into ${str(args, "to") ?? name}...`);
    const answer = await api.call("POST /api/v1/services/:service/restore", {
      params: { service: name },
      body: { backup, to: str(args, "to"), version: str(args, "version") },
    });
    console.log(
      `Restored ${backup} into ${answer.service.name} (${answer.service.kind} ${answer.service.version}).`,
    );
    return 0;
  },
};

const connectCommand: Command = {
  name: "services connect",
  summary:
    "Open the service's shell client (psql, mysql/mariadb, redis-cli), or expose it on the server's loopback.",
  usage: "pier services connect NAME [--expose 127.0.0.1:PORT [--minutes N]]",
  positionals: nameArg,
  flags: {
    expose: {
      type: "string",
      value: "ADDR:PORT",
      help: "forward this loopback port of the server to the service while the command runs",
    },
    minutes: { type: "string", value: "N", help: "with --expose: close after N minutes (default 60)" },
    tty: { type: "boolean", help: "attach a terminal even when stdin is not one" },
    "no-tty": { type: "boolean", help: "no terminal even when stdin is one" },
    ...connectionFlags,
  },
  async run(args) {
    const connection = resolveConnection(args);
    const name = args.positionals[0]!;
    const path = `/api/v1/services/${encodeURIComponent(name)}`;
    const expose = str(args, "expose");
    if (expose) {
      const minutes = intFlag(args, "minutes", this, { min: 1, max: 24 * 60 }) ?? 60;
      const response = await apiFetch(connection, `${path}/expose`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ address: expose, minutes }),
      });
      if (!response.ok) throw apiError(response.status, await response.json().catch(() => undefined));
      const decoder = new TextDecoder();
      for await (const chunk of response.body!) {
        const text = decoder.decode(chunk).replace(/^\.+$/, "");
        if (text) process.stdout.write(text.endsWith("\n") ? `${text}Press Ctrl-C to close it.\n` : text);
      }
      return 0;
    }
    const tty = args.flags.tty === true || (process.stdin.isTTY === true && args.flags["no-tty"] !== true);
    return attachTerminal(
      connection,
      `${path}/connect`,
      new URLSearchParams({ tty: tty ? "1" : "0" }),
      tty,
      "pier services connect",
    );
  },
};

const deleteCommand: Command = {
  name: "services delete",
  summary: "Delete a service; its data stays in its volume unless --purge, its backups stay.",
  usage: "pier services delete NAME [--purge] [--confirm NAME]",
  positionals: nameArg,
  flags: {
    purge: { type: "boolean", help: "delete the data volume too (not undone)" },
    confirm: confirmFlag("NAME", "the service's name"),
    ...connectionFlags,
  },
  async run(args) {
    const name = args.positionals[0]!;
    const api = pierApi(resolveConnection(args));
    const confirm = await confirmByName(args, this, {
      target: name,
      prompt: `Delete ${name}${args.flags.purge ? " AND its data volume" : " (its data volume stays)"}? Type its name to confirm: `,
      refusal: `deleting ${name}${args.flags.purge ? " drops its data volume for good" : " removes the service (its data volume stays)"}: add --confirm ${name} to delete it without a prompt`,
      undone: "deleted",
      exists: () => api.call("GET /api/v1/services/:service", { params: { service: name } }),
    });
    const { volumeKept } = await api.call("DELETE /api/v1/services/:service", {
      params: { service: name },
      query: { confirm, purge: args.flags.purge ? "true" : "false" },
    });
    console.log(
      `Deleted ${name}.${volumeKept ? ` Its data is kept in the Docker volume ${volumeKept} (docker volume rm ${volumeKept} to free it).` : ""}`,
    );
    return 0;
  },
};

const restartCommand: Command = {
  name: "services restart",
  summary: "Restart a service's container (recreated if it is gone) and wait for its health check.",
  usage: "pier services restart NAME",
  positionals: nameArg,
  flags: { ...connectionFlags },
  async run(args) {
    const { service: s } = await pierApi(resolveConnection(args)).call(
      "POST /api/v1/services/:service/restart",
      {
        params: service(args),
      },
    );
    console.log(`Restarted ${s.name}: ${s.health}.`);
    return 0;
  },
};

const logsCommand: Command = {
  name: "services logs",
  summary: "Print a service's last log lines.",
  usage: "pier services logs NAME [--tail N]",
  positionals: nameArg,
  flags: { tail: { type: "string", value: "N", help: "lines (default 200)" }, ...connectionFlags },
  async run(args) {
    const tail = intFlag(args, "tail", this, { min: 1, max: 10_000 }) ?? 200;
    const connection = resolveConnection(args);
    const response = await apiFetch(
      connection,
      `/api/v1/services/${encodeURIComponent(args.positionals[0]!)}/logs?tail=${tail}`,
    );
    if (!response.ok) throw apiError(response.status, await response.json().catch(() => undefined));
    process.stdout.write(await response.text());
    return 0;
  },
};

const upgradeCommand: Command = {
  name: "services upgrade",
  summary:
    "Move a service to another version of its major (same volume); a new major goes through backup and restore.",
  usage: "pier services upgrade NAME --version V",
  positionals: nameArg,
  flags: { version: { type: "string", value: "V", help: "the new version" }, ...connectionFlags },
  async run(args) {
    const version = requireStringFlag(args, "version", this);
    const { service: s } = await pierApi(resolveConnection(args)).call("PATCH /api/v1/services/:service", {
      params: service(args),
      body: { version },
    });
    console.log(`${s.name} runs ${s.kind} ${s.version} (${s.image}): ${s.health}.`);
    return 0;
  },
};

const configureCommand: Command = {
  name: "services configure",
  summary: "Change a service's memory cap or backup schedule, retention, target and encryption.",
  usage:
    "pier services configure NAME [--memory SIZE] [--backup SCHEDULE|off] [--keep N] [--backup-to TARGET]",
  positionals: nameArg,
  flags: {
    memory: { type: "string", value: "SIZE", help: "memory cap (the container restarts)" },
    ...backupFlags,
    ...connectionFlags,
  },
  async run(args) {
    const { service: s } = await pierApi(resolveConnection(args)).call("PATCH /api/v1/services/:service", {
      params: service(args),
      body: { memory: str(args, "memory"), backup: backupSettings(args, this) },
    });
    printService(s);
    return 0;
  },
};

const downloadCommand: Command = {
  name: "services download",
  summary: "Download a backup's dump (decompressed, decrypted) for pg_restore, mysql or redis.",
  usage: "pier services download NAME BACKUP --output FILE [--force]",
  positionals: [
    { name: "NAME", required: true },
    { name: "BACKUP", required: true },
  ],
  flags: {
    output: { type: "string", short: "o", value: "FILE", help: "where to write it (mode 0600)" },
    force: { type: "boolean", help: "replace FILE when it exists" },
    ...connectionFlags,
  },
  async run(args) {
    const output = requireStringFlag(args, "output", this);
    const [name, backup] = args.positionals as [string, string];
    if (!args.flags.force && existsSync(output))
      throw new UsageError(`${output} exists already: pick another file, or add --force to replace it`, this);
    const response = await apiFetch(
      resolveConnection(args),
      `/api/v1/services/${encodeURIComponent(name)}/backups/${encodeURIComponent(backup)}/download`,
    );
    if (!response.ok) throw apiError(response.status, await response.json().catch(() => undefined));
    const bytes = await writePrivateFile(output, response.body!, { replace: args.flags.force === true });
    console.log(`Wrote ${formatBytes(bytes)} to ${output} (mode 0600).`);
    return 0;
  },
};

/**
 * Writes `body` to `path` readable by its owner only: a dump holds every row of the database,
 * unencrypted. Without `replace` an existing file is refused (EEXIST), checked at the open itself.
 * A file cut off half-way is removed. Returns the bytes written.
 */
export async function writePrivateFile(
  path: string,
  body: AsyncIterable<Uint8Array>,
  options: { replace: boolean },
): Promise<number> {
  const file = await open(path, options.replace ? "w" : "wx", 0o600).catch((error) => {
    if ((error as { code?: string }).code === "EEXIST")
      throw new Error(`${path} exists already: pick another file, or add --force to replace it`);
    throw error;
  });
  let bytes = 0;
  try {
    // A replaced file keeps its mode through open(): 0600 again before any byte is written.
    await file.chmod(0o600);
    for await (const chunk of body) {
      for (let at = 0; at < chunk.byteLength; ) at += (await file.write(chunk, at)).bytesWritten;
      bytes += chunk.byteLength;
    }
  } catch (error) {
    await file.close();
    await rm(path, { force: true });
    throw error;
  }
  await file.close();
  return bytes;
}

const volumesListCommand: Command = {
  name: "volumes list",
  summary: "List apps' named volumes ([[volumes]] in pier.toml).",
  usage: "pier volumes list [--json]",
  flags: { json, ...connectionFlags },
  async run(args) {
    const { volumes } = await pierApi(resolveConnection(args)).call("GET /api/v1/volumes");
    if (args.flags.json) console.log(JSON.stringify(volumes, null, 2));
    else if (!volumes.length)
      console.log(
        'No volumes. Declare one in pier.toml: [[volumes]] name = "uploads" path = "/app/uploads".',
      );
    else for (const v of volumes) console.log(`${v.app}/${v.name}  ${v.volume}`);
    return 0;
  },
};

const volumeArgs = [
  { name: "APP", required: true },
  { name: "VOLUME", required: true },
];

const volumesBackupCommand: Command = {
  name: "volumes backup",
  summary: "Snapshot an app's volume (a tar, streamed to the data dir).",
  usage: "pier volumes backup APP VOLUME",
  positionals: volumeArgs,
  flags: { ...connectionFlags },
  async run(args) {
    const [app, volume] = args.positionals as [string, string];
    const { backup } = await pierApi(resolveConnection(args)).call(
      "POST /api/v1/volumes/:app/:volume/backups",
      {
        params: { app, volume },
        body: {},
      },
    );
    console.log(`Snapshot of ${app}/${volume}: ${backupLine(backup)}`);
    return 0;
  },
};

export const volumesRestoreCommand: Command = {
  name: "volumes restore",
  summary: "Put a snapshot back into an app's volume (its content is replaced).",
  usage: "pier volumes restore APP VOLUME BACKUP [--confirm APP/VOLUME]",
  positionals: [...volumeArgs, { name: "BACKUP", required: true }],
  flags: { confirm: confirmFlag("APP/VOLUME", "the volume as APP/VOLUME"), ...connectionFlags },
  async run(args) {
    const [app, volume, backup] = args.positionals as [string, string, string];
    const api = pierApi(resolveConnection(args));
    const { volumes } = await api.call("GET /api/v1/volumes");
    if (!volumes.some((v) => v.app === app && v.name === volume))
      throw new Error(`App ${app} has no volume ${volume}: pier volumes list shows the volumes there are.`);
    await confirmReplace(args, this, `${app}/${volume}`, `the content of ${app}/${volume} with ${backup}`);
    await api.call("POST /api/v1/volumes/:app/:volume/restore", {
      params: { app, volume },
      body: { backup },
    });
    console.log(`Restored ${backup} into ${app}/${volume}.`);
    return 0;
  },
};

export const servicesCommands: Command[] = [
  createCommand,
  listCommand,
  infoCommand,
  linkCommand,
  unlinkCommand,
  backupCommand,
  restoreCommand,
  connectCommand,
  deleteCommand,
  restartCommand,
  logsCommand,
  upgradeCommand,
  configureCommand,
  downloadCommand,
  volumesListCommand,
  volumesBackupCommand,
  volumesRestoreCommand,
];
