import { randomBytes } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { parseHookInput, type RefUpdate } from "./ref-updates.ts";

/** Where a push's deploy log goes: the pusher's terminal while the hook is connected. */
export interface PushOutput {
  line(text: string): void;
}

/**
 * Where the pushed objects are while the push is pending (git's quarantine): a git command run
 * with this environment sees them, as the hook itself does.
 */
export type ObjectEnv = Record<string, string>;

/** Resolves true when every update deployed (the push is accepted), false to refuse the push. */
type HookHandler = (updates: RefUpdate[], output: PushOutput, objects: ObjectEnv) => Promise<boolean>;

interface PendingPush {
  handler: HookHandler;
  connected: boolean;
  done: Promise<void>;
  finish: () => void;
}

/** Upper bound for what a hook may send before the blank line: ref lines are ~100 bytes each. */
const maxHookInput = 1024 * 1024;

/**
 * A loopback TCP listener the pre-receive hook calls back on. Each push registers a one-time
 * secret; the hook presents it with its object directories, sends its ref lines, receives the
 * deploy log, and last a `PIER-RESULT ok|failed` line: its exit code, the push's fate.
 */
export class HookChannel {
  private server: Server | null = null;
  private port = 0;
  private readonly pending = new Map<string, PendingPush>();

  async register(handler: HookHandler): Promise<{
    env: Record<string, string>;
    /** Whether the hook called back (false: no bash, hook removed...). */
    connected(): boolean;
    /** Settles when the hook's session ended (immediately if it never connected). */
    settled(): Promise<void>;
    release(): void;
  }> {
    await this.listen();
    const secret = randomBytes(24).toString("hex");
    let finish!: () => void;
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const entry: PendingPush = { handler, connected: false, done, finish };
    this.pending.set(secret, entry);
    return {
      env: { PIER_HOOK_PORT: String(this.port), PIER_HOOK_SECRET: secret },
      connected: () => entry.connected,
      settled: () => (entry.connected ? entry.done : Promise.resolve()),
      release: () => {
        this.pending.delete(secret);
      },
    };
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async listen(): Promise<void> {
    if (this.server) return;
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    // Pushes are rare; the listener must not keep the process alive on its own.
    server.unref();
  }

  private accept(socket: Socket): void {
    let input = "";
    socket.setEncoding("utf8");
    socket.on("error", () => {});
    const onData = (chunk: string) => {
      input += chunk;
      if (input.length > maxHookInput) return socket.destroy();
      // The hook ends its input with a blank line (ref lines each end with a newline).
      if (!input.includes("\n\n")) return;
      socket.off("data", onData);
      const [greeting = "", ...rest] = input.split("\n");
      const objects: ObjectEnv = {};
      while (rest[0]?.startsWith("PIER-OBJECTS ") || rest[0]?.startsWith("PIER-ALTERNATES ")) {
        const line = rest.shift()!;
        const value = line.slice(line.indexOf(" ") + 1);
        if (!value) continue;
        if (line.startsWith("PIER-OBJECTS ")) objects.GIT_OBJECT_DIRECTORY = value;
        else objects.GIT_ALTERNATE_OBJECT_DIRECTORIES = value;
      }
      const secret = /^PIER-HOOK ([0-9a-f]+)$/.exec(greeting)?.[1];
      const entry = secret ? this.pending.get(secret) : undefined;
      if (!entry || entry.connected) {
        socket.end("pier: unknown or reused push session\n");
        return;
      }
      entry.connected = true;
      void this.serve(socket, entry, parseHookInput(rest.join("\n")), objects);
    };
    socket.on("data", onData);
  }

  private async serve(
    socket: Socket,
    entry: PendingPush,
    updates: RefUpdate[],
    objects: ObjectEnv,
  ): Promise<void> {
    const output: PushOutput = {
      line(text) {
        // A line of ours must never read as the verdict.
        const clean = text.replace(/\r?\n$/, "").replace(/^PIER-RESULT/, " PIER-RESULT");
        if (socket.writable) socket.write(`${clean}\n`);
      },
    };
    let accepted = false;
    try {
      accepted = await entry.handler(updates, output, objects);
    } catch (error) {
      output.line(`pier: ${(error as Error).message}`);
    } finally {
      if (socket.writable) socket.write(`PIER-RESULT ${accepted ? "ok" : "failed"}\n`);
      socket.end();
      entry.finish();
    }
  }
}
