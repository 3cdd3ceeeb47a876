import { z } from "zod";

/**
 * What passes between a running pier (the predecessor) and the pier it starts to take over (the
 * successor) during a hand-over. The listening sockets are inherited as fds 3, 4, … in the order
 * `inheritedFdPlan` gives, and named in PIER_HANDOVER (no secret in it: the environment of a
 * process is readable by its user). Everything else travels over the IPC channel Bun.spawn opens
 * between the two, one small versioned message at a time.
 */

export const HANDOVER_ENV = "PIER_HANDOVER";

const fds = z.array(z.number().int().min(3));

export const handoverEnvSchema = z.object({
  v: z.literal(1),
  predecessorPid: z.number().int().positive(),
  listeners: z.object({ http: fds, https: fds }),
});
export type HandoverEnv = z.infer<typeof handoverEnvSchema>;

/** predecessor -> successor */
export const toSuccessorSchema = z.discriminatedUnion("type", [
  /** First message: what both processes must share while they overlap. */
  z.object({
    v: z.literal(1),
    type: z.literal("init"),
    /** The proxy workers of either pier forward /_pier/ to whichever console accepts: both believe the same secret. */
    edgeSecret: z.string().min(1),
  }),
  /** The predecessor stopped its primary work (schedulers, reconcile) and released the lease. */
  z.object({ v: z.literal(1), type: z.literal("primary-released") }),
]);
export type ToSuccessor = z.infer<typeof toSuccessorSchema>;

/** successor -> predecessor */
export const fromSuccessorSchema = z.discriminatedUnion("type", [
  /** Migrated, modules started, routes in every worker, accepting on the inherited sockets. */
  z.object({
    v: z.literal(1),
    type: z.literal("ready"),
    version: z.string(),
    pid: z.number().int().positive(),
    startupMs: z.number().nonnegative(),
  }),
  /** It cannot start (a migration failed, a port, …): it exits after saying why. */
  z.object({ v: z.literal(1), type: z.literal("failed"), message: z.string() }),
]);
export type FromSuccessor = z.infer<typeof fromSuccessorSchema>;

/** Listening sockets by port, as fds of one process (the shape `ProxyPool.listenerFds` returns). */
export interface ListenerFds {
  http: number[];
  https: number[];
}

/**
 * How the predecessor's listening fds become the successor's: Bun.spawn puts the `stdio` entries
 * after stdin, stdout and stderr at fds 3, 4, …, so `extraStdio` is what to pass and `successor`
 * the numbers the successor finds them under. Pure.
 */
export function inheritedFdPlan(listeners: ListenerFds): { extraStdio: number[]; successor: ListenerFds } {
  const extraStdio = [...listeners.http, ...listeners.https];
  const at = (offset: number, count: number) => Array.from({ length: count }, (_, i) => 3 + offset + i);
  return {
    extraStdio,
    successor: {
      http: at(0, listeners.http.length),
      https: at(listeners.http.length, listeners.https.length),
    },
  };
}

/** PIER_HANDOVER as the successor reads it; undefined when this start is not a hand-over. */
export function parseHandoverEnv(value: string | undefined): HandoverEnv | undefined {
  if (value === undefined || value === "") return undefined;
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    throw new Error(`${HANDOVER_ENV} is not JSON: it is set only by a running pier handing over`);
  }
  const parsed = handoverEnvSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${HANDOVER_ENV} is malformed: ${parsed.error.message}`);
  return parsed.data;
}
