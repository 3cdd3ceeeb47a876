import { apiError, apiFetch, connectionFlags, resolveConnection } from "./api-client.ts";
import { type Command, intFlag, requireStringFlag } from "./command.ts";
import { readEventStream } from "./deploy.ts";

export const logsCommand: Command = {
  name: "logs",
  summary: "Print the container logs of every replica of an app (-f to follow).",
  usage: "pier logs --app APP [-f] [--tail N]",
  flags: {
    app: { type: "string", value: "APP", help: "the app" },
    follow: { type: "boolean", short: "f", help: "keep printing new lines" },
    tail: { type: "string", value: "N", help: "lines of history per replica, 0 to 5000 (default 200)" },
    ...connectionFlags,
  },
  async run(args) {
    const app = requireStringFlag(args, "app", this);
    const tail = intFlag(args, "tail", this, { min: 0, max: 5000 }) ?? 200;
    const connection = resolveConnection(args);
    const query = new URLSearchParams({ tail: String(tail) });
    if (args.flags.follow) query.set("follow", "1");
    const response = await apiFetch(connection, `/api/v1/apps/${encodeURIComponent(app)}/logs?${query}`, {
      headers: { accept: "text/event-stream" },
    });
    if (!response.ok) throw apiError(response.status, await response.json().catch(() => undefined));
    await readEventStream(response, (event, data) => {
      if (event !== "log") return;
      const entry = JSON.parse(data) as { replica: string; stream: string; line: string };
      (entry.stream === "stderr" ? process.stderr : process.stdout).write(
        `[${entry.replica}] ${entry.line}\n`,
      );
    });
    return 0;
  },
};
