import { join } from "node:path";
import { z } from "zod";

/**
 * The control socket: a unix socket in the data dir through which `pier upgrade` asks the running
 * pier who it is and to hand over to another binary. Its only lock is the file system: the data
 * dir is 0700, so only pier's user (and root) can connect.
 */
export const CONTROL_SOCKET = "pier.sock";

export function controlSocketPath(dataDir: string): string {
  return join(dataDir, CONTROL_SOCKET);
}

export const controlStatusSchema = z.object({
  version: z.string(),
  pid: z.number().int(),
  /** The binary this process was started from, as it was named then. */
  binary: z.string(),
  dataDir: z.string(),
  /** ISO time of the start. */
  startedAt: z.string(),
  handingOver: z.boolean(),
});
export type ControlStatus = z.infer<typeof controlStatusSchema>;

export const handoverRequestSchema = z.object({
  /** Absolute path of the binary to start; it must be a pier build. */
  binary: z.string().startsWith("/"),
  /** How long the new process may take to become ready (migrations included). */
  readyTimeoutMs: z.number().int().positive().max(3_600_000).default(120_000),
  /** How long to wait for deploys in progress to end before handing over. */
  deployWaitMs: z.number().int().nonnegative().max(3_600_000).default(300_000),
});
export type HandoverRequest = z.infer<typeof handoverRequestSchema>;

/** One line of the hand-over's answer (newline-delimited JSON), as the steps happen. */
export const handoverEventSchema = z.discriminatedUnion("step", [
  z.object({ step: z.literal("waiting-for-deploys"), deploys: z.number().int() }),
  z.object({ step: z.literal("starting"), binary: z.string() }),
  z.object({
    step: z.literal("ready"),
    pid: z.number().int(),
    version: z.string(),
    startupMs: z.number(),
    /** From the request to the new process accepting on every port. */
    elapsedMs: z.number(),
  }),
  z.object({ step: z.literal("primary-released"), elapsedMs: z.number() }),
  z.object({ step: z.literal("draining") }),
  z.object({ step: z.literal("stopped"), drainMs: z.number() }),
  z.object({ step: z.literal("failed"), code: z.string(), message: z.string() }),
]);
export type HandoverEvent = z.infer<typeof handoverEventSchema>;
