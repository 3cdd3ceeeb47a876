import {
  type FromSuccessor,
  HANDOVER_ENV,
  type ListenerFds,
  parseHandoverEnv,
  toSuccessorSchema,
} from "./protocol.ts";

/** The successor's side of a hand-over: what it inherited and how it talks to its predecessor. */
export interface PredecessorLink {
  predecessorPid: number;
  listeners: ListenerFds;
  edgeSecret: string;
  ready(info: { version: string; startupMs: number }): void;
  failed(message: string): void;
  /** The predecessor released the primary role (called at most once). */
  onPrimaryReleased(listener: () => void): void;
  /** The predecessor exited (its IPC channel closed; called at most once). */
  onGone(listener: () => void): void;
}

/** How long a successor waits for its predecessor's first message. */
const INIT_TIMEOUT_MS = 10_000;

/**
 * Undefined for an ordinary start. Otherwise the link to the pier that started this one: the
 * variable is taken out of the environment (processes pier starts must not see it) and the first
 * IPC message, with the edge secret, is awaited.
 */
export async function joinHandover(env = process.env): Promise<PredecessorLink | undefined> {
  const handover = parseHandoverEnv(env[HANDOVER_ENV]);
  delete env[HANDOVER_ENV];
  if (!handover) return undefined;
  if (typeof process.send !== "function")
    throw new Error(
      `${HANDOVER_ENV} is set but there is no IPC channel: only a running pier starts a successor`,
    );

  const released: (() => void)[] = [];
  const gone: (() => void)[] = [];
  let wasReleased = false;
  let wasGone = false;
  let init: (edgeSecret: string) => void = () => {};
  const initialised = new Promise<string>((resolve) => {
    init = resolve;
  });
  process.on("message", (message) => {
    const parsed = toSuccessorSchema.safeParse(message);
    if (!parsed.success) return;
    if (parsed.data.type === "init") init(parsed.data.edgeSecret);
    else if (!wasReleased) {
      wasReleased = true;
      for (const listener of released) listener();
    }
  });
  process.on("disconnect", () => {
    if (wasGone) return;
    wasGone = true;
    for (const listener of gone) listener();
  });
  const edgeSecret = await Promise.race([initialised, Bun.sleep(INIT_TIMEOUT_MS).then(() => null)]);
  if (edgeSecret === null) throw new Error("the pier handing over did not say hello in time");

  const send = (message: FromSuccessor) => {
    try {
      process.send?.(message);
    } catch {
      // the predecessor is gone
    }
  };
  return {
    predecessorPid: handover.predecessorPid,
    listeners: handover.listeners,
    edgeSecret,
    ready: (info) => send({ v: 1, type: "ready", pid: process.pid, ...info }),
    failed: (message) => send({ v: 1, type: "failed", message }),
    onPrimaryReleased(listener) {
      if (wasReleased) listener();
      else released.push(listener);
    },
    onGone(listener) {
      if (wasGone) listener();
      else gone.push(listener);
    },
  };
}
