import type { CompiledRoute, UpstreamTarget } from "../../shared/route-table.ts";
import type { UpstreamHealth } from "../upstream-health.ts";

/** Attempts per exchange, on as many distinct replicas when the route has them. */
export const MAX_ATTEMPTS = 3;

/**
 * Methods a client may have sent twice anyway (RFC 9110 9.2.2), so sending one again after a failed
 * attempt changes nothing. A few string compares: the method is usually one of the parser's
 * shared constants, and this beats a Set lookup on the hot path.
 */
export function isIdempotent(method: string): boolean {
  return (
    method === "GET" ||
    method === "HEAD" ||
    method === "OPTIONS" ||
    method === "PUT" ||
    method === "DELETE" ||
    method === "TRACE"
  );
}

/**
 * Which replica an exchange goes to and whether a failure may be tried again (Pingora's
 * `upstream_peer` and `fail_to_connect`): round-robin over the route's healthy replicas, a replica
 * that refused a connection skipped and backed off, another one tried only for a request that
 * can be sent again (idempotent, whole body in hand). One per front connection, reset per
 * exchange, so choosing allocates nothing.
 */
export class UpstreamChoice {
  /** The replica of the current attempt. */
  target: UpstreamTarget | null = null;
  /** A fixed target (the console for /_pier/ paths): one attempt, no health bookkeeping. */
  pinned: UpstreamTarget | null = null;
  /** The request may be sent again: an idempotent method with no body left to stream. */
  retryable = false;
  private exclude: UpstreamTarget | null = null;
  private attemptsLeft = 0;

  constructor(private readonly health: UpstreamHealth) {}

  start(route: CompiledRoute, pinned: UpstreamTarget | null, method: string, bodyComplete: boolean): void {
    this.pinned = pinned;
    this.exclude = null;
    this.retryable = bodyComplete && isIdempotent(method);
    this.attemptsLeft = pinned !== null ? 1 : Math.min(MAX_ATTEMPTS, route.upstreams.length);
  }

  /** The replica for the next attempt; null once the attempts are used up or no replica is left. */
  next(route: CompiledRoute): UpstreamTarget | null {
    const target =
      this.attemptsLeft-- > 0 ? (this.pinned ?? this.health.pick(route, route.rr++, this.exclude)) : null;
    if (target !== null) this.target = target;
    return target;
  }

  /** The current replica refused the connection: backs it off; true when another may be tried. */
  connectFailed(): boolean {
    const target = this.target!;
    if (this.pinned === null) this.health.markFailed(target.origin);
    if (!this.retryable) return false;
    this.exclude = target;
    return true;
  }

  /**
   * A reused keep-alive socket closed before a byte of answer: it had gone stale (the upstream
   * timed it out) rather than failed on this request, so the request may go again on a fresh one.
   */
  retriesStaleSocket(reused: boolean, answerStarted: boolean): boolean {
    return reused && !answerStarted && this.retryable;
  }

  /** The exchange completed: a replica that was backing off is healthy again. */
  succeeded(): void {
    if (this.pinned === null && this.target !== null) this.health.markHealthy(this.target.origin);
  }
}
