import { apiError, apiFetch, apiUrl, connectionFlags, pierApi, resolveConnection } from "./api-client.ts";
import { type Command, type ParsedArgs, requireStringFlag, UsageError } from "./command.ts";

const sessionFlags = {
  app: { type: "string", value: "APP", help: "the app" },
  env: {
    type: "string",
    value: "ENV",
    help: "production (default), preview:BRANCH, or a preview environment's name",
  },
  tty: { type: "boolean", help: "attach a terminal even when stdin is not one" },
  "no-tty": { type: "boolean", help: "no terminal even when stdin is one" },
  ...connectionFlags,
} as const;

/**
 * Connects stdin, stdout and stderr to a command running in pier (the protocol is described in
 * packages/deploy/src/http/command-session.ts) and resolves with its exit code.
 */
async function runSession(args: ParsedArgs, command: Command, path: "run" | "exec"): Promise<number> {
  const app = requireStringFlag(args, "app", command);
  const cmd = args.positionals;
  if (cmd.length === 0)
    throw new UsageError("give the command after --, e.g. pier run --app shop -- bun repl", command);
  const connection = resolveConnection(args);
  // A WebSocket that fails to open tells nothing of why: ask first, so a wrong token, an unknown
  // app or an unreachable pier get the same messages as every other command.
  await pierApi(connection).call("GET /api/v1/apps/:name", { params: { name: app } });
  const stdin = process.stdin;
  const tty = args.flags.tty === true || (stdin.isTTY === true && args.flags["no-tty"] !== true);
  const query = new URLSearchParams({
    cmd: JSON.stringify(cmd),
    environment: typeof args.flags.env === "string" ? args.flags.env : "production",
    tty: tty ? "1" : "0",
  });
  if (typeof args.flags.replica === "string") query.set("replica", args.flags.replica);
  return attachTerminal(
    connection,
    `/api/v1/apps/${encodeURIComponent(app)}/${path}`,
    query,
    tty,
    `pier ${path}`,
  );
}

/**
 * Attaches this terminal (or stdin/stdout/stderr) to a command session at `path` (the protocol of
 * packages/deploy/src/http/command-session.ts) and resolves with the command's exit code.
 */
export async function attachTerminal(
  connection: { url: string; token: string },
  path: string,
  query: URLSearchParams,
  tty: boolean,
  label: string,
): Promise<number> {
  const stdin = process.stdin;
  if (tty && process.stdout.columns) {
    query.set("cols", String(process.stdout.columns));
    query.set("rows", String(process.stdout.rows));
  }
  const url = apiUrl(connection, `${path}?${query}`);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(url, { headers: { authorization: `Bearer ${connection.token}` } } as never);
  socket.binaryType = "arraybuffer";

  return new Promise<number>((resolve) => {
    let code: number | null = null;
    let failure: string | null = null;
    const restore = () => {
      if (tty && stdin.isTTY) stdin.setRawMode(false);
      stdin.pause();
    };
    socket.addEventListener("open", () => {
      if (tty && stdin.isTTY) stdin.setRawMode(true);
      stdin.on("data", (chunk: Buffer) => socket.send(new Uint8Array(chunk)));
      stdin.on("end", () => socket.send(JSON.stringify({ type: "eof" })));
      stdin.resume();
      process.stdout.on("resize", () =>
        socket.send(
          JSON.stringify({ type: "resize", cols: process.stdout.columns, rows: process.stdout.rows }),
        ),
      );
    });
    socket.addEventListener("message", (event) => {
      if (typeof event.data === "string") {
        const message = JSON.parse(event.data) as { type: string; code?: number | null; message?: string };
        if (message.type === "exit") code = message.code ?? null;
        if (message.type === "error") failure = message.message ?? "the command could not run";
        return;
      }
      const bytes = new Uint8Array(event.data as ArrayBuffer);
      (bytes[0] === 2 ? process.stderr : process.stdout).write(bytes.subarray(1));
    });
    let opened = false;
    socket.addEventListener("open", () => {
      opened = true;
    });
    socket.addEventListener("error", () => {
      failure ??= `could not open a session with pier at ${connection.url}`;
    });
    socket.addEventListener("close", async (event) => {
      restore();
      if (!opened) {
        // The same request without the upgrade answers with the reason (no live release, ...).
        const res = await apiFetch(connection, `${path}?${query}`).catch(() => null);
        if (res && !res.ok) failure = apiError(res.status, await res.json().catch(() => undefined)).message;
      }
      if (failure) console.error(`${label}: ${failure}`);
      else if (code === null && event.code !== 1000)
        console.error(
          `${label}: ${event.reason || "the session ended without an exit code (is the token allowed to deploy this app?)"}`,
        );
      resolve(code ?? 1);
    });
  });
}

export const runCommand: Command = {
  name: "run",
  summary:
    "Run a command in a one-off container of the app's current release, with its env; exits with its code.",
  usage: "pier run --app APP [--env production|preview:BRANCH] -- CMD [ARGS...]",
  variadic: true,
  positionals: [{ name: "CMD", required: true }],
  flags: sessionFlags,
  run(args) {
    return runSession(args, this, "run");
  },
};

export const execCommand: Command = {
  name: "exec",
  summary: "Run a command inside a running replica of the app; exits with its code.",
  usage: "pier exec --app APP [--env ENV] [--replica N] -- CMD [ARGS...]",
  variadic: true,
  positionals: [{ name: "CMD", required: true }],
  flags: { ...sessionFlags, replica: { type: "string", value: "N", help: "which replica (default 1)" } },
  run(args) {
    return runSession(args, this, "exec");
  },
};
