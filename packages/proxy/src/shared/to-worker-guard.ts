import type { ToWorker } from "./worker-messages.ts";

/**
 * Every kind of message the main thread sends a proxy worker (worker-messages.ts, toWorkerSchema).
 * The worker only checks that a message is one of these: the main thread builds them in typed code
 * in the same executable, so a full schema parse would check what the compiler already did, and
 * would load zod into every worker for it (proxy-defaults.ts). A test keeps this list equal to the
 * schema's.
 */
export const toWorkerTypes: readonly ToWorker["type"][] = [
  "init",
  "routes",
  "routes-part",
  "certs",
  "acme",
  "beacons",
  "crash",
  "listen",
  "in-flight",
  "drain",
  "close-tunnels",
  "woken",
];

const known = new Set<string>(toWorkerTypes);

/** The message as a ToWorker, or why it is not one (a message of a kind this worker does not know). */
export function readToWorker(data: unknown): { ok: true; message: ToWorker } | { ok: false; reason: string } {
  const type = typeof data === "object" && data !== null ? (data as { type?: unknown }).type : undefined;
  if (typeof type === "string" && known.has(type)) return { ok: true, message: data as ToWorker };
  return { ok: false, reason: `unknown message type ${JSON.stringify(type ?? null)}` };
}
