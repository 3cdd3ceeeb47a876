import { ApiRequestError, connectionFlags, resolveConnection } from "./api-client.ts";
import { type Command, requireStringFlag } from "./command.ts";
import { readEventStream } from "./deploy.ts";

export const logsCommand: Command = {
  name: "logs",
  summary: "Print the container logs of every replica of an app (-f to follow).",
  usage: "pier logs --app APP [-f] [--tail N]",
  flags: {
    app: { type: "string", value: "APP", help: "the app" },
    follow: { type: "boolean", short: "f", help: "keep printing new lines" },
    tail: { type: "string", value: "N", help: "lines of history per replica (default 200)" },
    ...connectionFlags,
  },
  async run(args) {
    const app = requireStringFlag(args, "app", this);
    const connection = resolveConnection(args);
    const query = new URLSearchParams({ tail: String(args.flags.tail ?? 200) });
    if (args.flags.follow) query.set("follow", "1");
    const response = await fetch(
      new URL(`/api/v1/apps/${encodeURIComponent(app)}/logs?${query}`, connection.url),
      {
        headers: { authorization: `Bearer ${connection.token}`, accept: "text/event-stream" },
      },
    );
    if (!response.ok) {
      const body = (await response.json().catch(() => ({}))) as { error?: { code: string; message: string } };
      throw new ApiRequestError(
        response.status,
        body.error?.code ?? "error",
        body.error?.message ?? `HTTP ${response.status}`,
      );
    }
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
