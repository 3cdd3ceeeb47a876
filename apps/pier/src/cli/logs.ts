import { parseTimeBound } from "@pier/logs/time-bound";
import { apiError, apiFetch, connectionFlags, pierApi, resolveConnection } from "./api-client.ts";
import { type Command, intFlag, requireStringFlag, UsageError } from "./command.ts";
import { readEventStream } from "./deploy.ts";

const levelNames = ["trace", "debug", "info", "warn", "error", "fatal"];
const filterFlags = ["since", "until", "grep", "release", "level", "env", "replica", "stream"] as const;

interface PrintedLine {
  id: number;
  ts: string;
  replica: string;
  stream: string;
  level: string | null;
  line: string;
}

export const logsCommand: Command = {
  name: "logs",
  summary: "Print an app's stored logs (stdout/stderr of its replicas, OTLP logs); -f follows them.",
  usage:
    "pier logs --app APP [--since 1h] [--until T] [--grep TEXT] [--level L] [--release R] [--env E] [--replica R] [--stream S] [--tail N] [-f] [--containers]",
  flags: {
    app: { type: "string", value: "APP", help: "the app" },
    since: {
      type: "string",
      value: "T",
      help: "from then on: a duration back (15m, 1h, 7d), a date or epoch ms",
    },
    until: { type: "string", value: "T", help: "up to then, same forms as --since" },
    grep: { type: "string", value: "TEXT", help: "lines containing TEXT (case-insensitive, not a regex)" },
    level: { type: "string", value: "L", help: `this level and more severe: ${levelNames.join(", ")}` },
    release: { type: "string", value: "R", help: "lines of one release (deployment id)" },
    env: { type: "string", value: "E", help: "lines of one environment (production, a preview)" },
    replica: {
      type: "string",
      value: "R",
      help: "lines of one replica, e.g. production/1 (as the lines show it)",
    },
    stream: { type: "string", value: "S", help: "stdout, stderr or otlp" },
    follow: { type: "boolean", short: "f", help: "keep printing new lines" },
    tail: { type: "string", value: "N", help: "the newest N lines (0 to 5000, default 200)" },
    containers: {
      type: "boolean",
      help: "read the running containers through Docker instead of the store (the other filters do not apply)",
    },
    ...connectionFlags,
  },
  async run(args) {
    const app = requireStringFlag(args, "app", this);
    const tail = intFlag(args, "tail", this, { min: 0, max: 5000 }) ?? 200;
    const level = args.flags.level;
    if (typeof level === "string" && !levelNames.includes(level))
      throw new UsageError(`--level must be one of ${levelNames.join(", ")}, got "${level}"`, this);
    const stream = args.flags.stream;
    if (typeof stream === "string" && !["stdout", "stderr", "otlp"].includes(stream))
      throw new UsageError(`--stream must be stdout, stderr or otlp, got "${stream}"`, this);
    for (const name of ["since", "until"]) {
      const value = args.flags[name];
      if (typeof value === "string" && parseTimeBound(value) === null)
        throw new UsageError(
          `--${name} must be a duration back from now (90s, 15m, 1h, 7d), a date or epoch ms, got "${value}"`,
          this,
        );
    }
    const connection = resolveConnection(args);
    if (args.flags.containers) return containerLogs(connection, app, tail, args.flags.follow === true);

    const filters: Record<string, string> = {};
    for (const name of filterFlags) {
      const value = args.flags[name];
      if (typeof value === "string" && value !== "") filters[name] = value;
    }
    const print = (l: PrintedLine) =>
      (l.stream === "stderr" ? process.stderr : process.stdout).write(
        `${l.ts} [${l.replica}]${l.level ? ` ${l.level.toUpperCase()}` : ""} ${l.line}\n`,
      );
    const api = pierApi(connection);
    let last = 0;
    if (tail > 0) {
      const { lines } = await api.call("GET /api/v1/logs/:name", {
        params: { name: app },
        query: { ...filters, limit: String(tail) },
      });
      for (const line of lines.reverse()) print(line);
      last = lines.at(-1)?.id ?? 0;
      if (lines.length === 0 && filters.replica) {
        // A replica name is easy to get wrong (they count from 1): say which ones have lines.
        const { replica, ...others } = filters;
        const { lines: recent } = await api.call("GET /api/v1/logs/:name", {
          params: { name: app },
          query: { ...others, limit: "1000" },
        });
        console.error(
          unknownReplicaNote(
            replica,
            recent.map((l) => l.replica),
          ),
        );
      }
    }
    if (!args.flags.follow) return 0;
    const query = new URLSearchParams(filters);
    if (last > 0) query.set("after", String(last));
    const response = await apiFetch(connection, `/api/v1/logs/${encodeURIComponent(app)}/tail?${query}`, {
      headers: { accept: "text/event-stream" },
    });
    if (!response.ok) throw apiError(response.status, await response.json().catch(() => undefined));
    await readEventStream(response, (event, data) => {
      if (event === "line") print(JSON.parse(data) as PrintedLine);
    });
    return 0;
  },
};

/** Said on stderr when --replica matched no line, naming the replicas that have some. Pure. */
export function unknownReplicaNote(replica: string, seen: string[]): string {
  const known = [...new Set(seen)].sort();
  return known.length === 0
    ? `No lines for replica ${replica}, nor for any other replica with these filters.`
    : `No lines for replica ${replica} (replicas with lines: ${known.join(", ")}).`;
}

/** What `pier logs` did before logs were stored: the running replicas' output, read from Docker. */
async function containerLogs(
  connection: ReturnType<typeof resolveConnection>,
  app: string,
  tail: number,
  follow: boolean,
): Promise<number> {
  const query = new URLSearchParams({ tail: String(tail) });
  if (follow) query.set("follow", "1");
  const response = await apiFetch(connection, `/api/v1/apps/${encodeURIComponent(app)}/logs?${query}`, {
    headers: { accept: "text/event-stream" },
  });
  if (!response.ok) throw apiError(response.status, await response.json().catch(() => undefined));
  await readEventStream(response, (event, data) => {
    if (event !== "log") return;
    const entry = JSON.parse(data) as { replica: string; stream: string; line: string };
    (entry.stream === "stderr" ? process.stderr : process.stdout).write(`[${entry.replica}] ${entry.line}\n`);
  });
  return 0;
}
