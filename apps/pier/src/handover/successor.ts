import { PierError } from "@pier/core";
import {
  type FromSuccessor,
  fromSuccessorSchema,
  HANDOVER_ENV,
  type HandoverEnv,
  inheritedFdPlan,
  type ListenerFds,
  type ToSuccessor,
} from "./protocol.ts";

/** The successor did not become ready: this pier keeps serving and says why. */
export class HandoverFailedError extends PierError {
  constructor(message: string) {
    super("handover_failed", message, 502);
  }
}

export interface SuccessorOptions {
  binary: string;
  /** Its arguments: this process's own (`serve` and its flags), so it starts the same way. */
  args: string[];
  env: Record<string, string | undefined>;
  listeners: ListenerFds;
  edgeSecret: string;
  /** Migrations included: a large database may take a while. */
  readyTimeoutMs: number;
}

export interface Successor {
  pid: number;
  version: string;
  startupMs: number;
  /** Tells it the primary role is free to take. */
  primaryReleased(): void;
  /**
   * Lets it live on without this process: its exit is no longer waited for. The IPC channel stays
   * open until this process exits, which is how the successor learns it is gone.
   */
  detach(): void;
}

/** How long a successor that said it failed gets to exit on its own before it is killed. */
const FAILED_EXIT_GRACE_MS = 5_000;

/**
 * Starts `binary` as this pier's successor, handing it the listening sockets (inherited fds) and
 * the edge secret (IPC), and resolves once it is ready to serve. A successor that fails, exits or
 * is not ready in time is stopped and the promise rejects with HandoverFailedError: nothing has
 * changed for this process, which still serves everything.
 */
export async function startSuccessor(options: SuccessorOptions): Promise<Successor> {
  const plan = inheritedFdPlan(options.listeners);
  const handoverEnv: HandoverEnv = { v: 1, predecessorPid: process.pid, listeners: plan.successor };
  let settle: (message: FromSuccessor) => void = () => {};
  const answered = new Promise<FromSuccessor>((resolve) => {
    settle = resolve;
  });
  const child = Bun.spawn([options.binary, ...options.args], {
    stdio: ["ignore", "inherit", "inherit", ...plan.extraStdio],
    env: { ...options.env, [HANDOVER_ENV]: JSON.stringify(handoverEnv) },
    ipc(message) {
      const parsed = fromSuccessorSchema.safeParse(message);
      if (parsed.success) settle(parsed.data);
    },
  });
  const send = (message: ToSuccessor) => {
    try {
      child.send(message);
    } catch {
      // gone: its exit says why
    }
  };
  send({ v: 1, type: "init", edgeSecret: options.edgeSecret });

  const outcome = await Promise.race([
    answered,
    child.exited.then((code) => ({ exited: code })),
    Bun.sleep(options.readyTimeoutMs).then(() => ({ timedOut: true as const })),
  ]);
  if ("type" in outcome && outcome.type === "ready") {
    return {
      pid: child.pid,
      version: outcome.version,
      startupMs: outcome.startupMs,
      primaryReleased: () => send({ v: 1, type: "primary-released" }),
      detach() {
        child.unref();
      },
    };
  }
  if ("type" in outcome) {
    await Promise.race([child.exited, Bun.sleep(FAILED_EXIT_GRACE_MS)]);
    child.kill("SIGKILL");
    throw new HandoverFailedError(`the new pier could not start: ${outcome.message}`);
  }
  if ("exited" in outcome) {
    throw new HandoverFailedError(
      `the new pier exited with code ${outcome.exited} before it was ready (the running pier's log says why, above its exit)`,
    );
  }
  child.kill("SIGTERM");
  await Promise.race([child.exited, Bun.sleep(FAILED_EXIT_GRACE_MS)]);
  child.kill("SIGKILL");
  throw new HandoverFailedError(
    `the new pier was not ready within ${Math.round(options.readyTimeoutMs / 1000)} s and was stopped (pass a longer --timeout if its migrations need more time)`,
  );
}
