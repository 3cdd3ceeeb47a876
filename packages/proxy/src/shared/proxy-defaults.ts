// The proxy's defaults, apart from the schemas (route-spec.ts, worker-messages.ts) so that a proxy
// worker runs without loading zod: it only compiles routes and reads messages the main thread
// built and validated, and zod was about 1.45 MB of each idle worker's heap (docs/performance.md,
// Startup and footprint). Beacons from browsers are still checked with zod in the worker, by a
// schema loaded with the first beacon (edge/accept-beacon.ts).

export const DEFAULT_UPSTREAM_TIMEOUT_MS = 60_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** How long a client has to send a whole request head, unless the pool is told otherwise. */
export const DEFAULT_HEAD_TIMEOUT_MS = 10_000;
/**
 * How long a request body may go without a byte arriving (while pier reads it) before a 408 and a
 * close: a body that never ends must not hold its connection (nginx's client_body_timeout is 60 s).
 */
export const DEFAULT_BODY_TIMEOUT_MS = 60_000;
/**
 * How long an answer may wait for a client that takes none of its bytes before the client's
 * connection, and the upstream socket feeding it, are cut (nginx's send_timeout is 60 s). A slow
 * download that keeps taking bytes is never cut.
 */
export const DEFAULT_SEND_TIMEOUT_MS = 60_000;
/** How long a request on a sleeping route is held while it wakes, unless the pool is told otherwise. */
export const DEFAULT_WAKE_TIMEOUT_MS = 30_000;
