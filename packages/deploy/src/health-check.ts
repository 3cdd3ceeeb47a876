import { connect } from "node:http2";
import type { ReplicaState } from "./ports.ts";

export interface ProbeResult {
  healthy: boolean;
  /** "HTTP 200", "HTTP 503", "connection refused"... for progress lines and failure reasons. */
  detail: string;
}

export type HealthProbe = (url: string, timeoutMs: number) => Promise<ProbeResult>;

/** One HTTP GET; 2xx and 3xx are healthy (redirects are not followed: a 302 to /login is fine). */
export const probeHttp: HealthProbe = async (url, timeoutMs) => {
  try {
    const response = await fetch(url, {
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
      headers: { "user-agent": "pier-health-check" },
    });
    await response.body?.cancel();
    return { healthy: response.status >= 200 && response.status < 400, detail: `HTTP ${response.status}` };
  } catch (error) {
    return { healthy: false, detail: probeErrorDetail(error, timeoutMs) };
  }
};

const connectionFailures: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ConnectionRefused: "connection refused",
  ECONNRESET: "connection reset",
  ConnectionReset: "connection reset",
  ConnectionClosed: "connection reset",
};

/**
 * A probe's failure in plain words. Bun's fetch errors carry a code and a message about its own
 * `verbose` option, which means nothing to someone whose app did not answer.
 */
export function probeErrorDetail(error: unknown, timeoutMs: number): string {
  const { name, code, message } = error as { name?: string; code?: string; message?: string };
  if (name === "TimeoutError" || name === "AbortError") return `no answer within ${timeoutMs}ms`;
  if (code && connectionFailures[code]) return connectionFailures[code];
  const text = (message || String(error)).replace(/\s*For more information, pass `verbose: true`.*$/s, "");
  return text || "the request failed";
}

/**
 * What to check when probes never reached the app: nothing listening on the port pier sent them
 * to, most often because the app ignores $PORT or listens on another one.
 */
export function unreachableHint(detail: string, port: number): string | undefined {
  if (!/connection (refused|reset)/.test(detail)) return undefined;
  return `Is the app listening on $PORT (${port})? pier sends traffic and health checks to that port: make the app listen on $PORT, or set [deploy] port in pier.toml (--port with \`pier deploy --image\`) to the port it uses.`;
}

/**
 * The same GET over HTTP/2 without TLS by prior knowledge, for replicas of apps with
 * `upstream_protocol = "h2c"` (gRPC servers often speak nothing else). One session per probe.
 */
export const probeH2c: HealthProbe = (url, timeoutMs) => {
  const { origin, pathname, search } = new URL(url);
  return new Promise((resolve) => {
    const session = connect(origin);
    let settled = false;
    const done = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      session.destroy();
      resolve(result);
    };
    const timer = setTimeout(
      () => done({ healthy: false, detail: `no answer within ${timeoutMs}ms` }),
      timeoutMs,
    );
    session.on("error", (error: Error) =>
      done({ healthy: false, detail: probeErrorDetail(error, timeoutMs) }),
    );
    const req = session.request({ ":path": `${pathname}${search}`, "user-agent": "pier-health-check" });
    req.on("response", (headers) => {
      const status = Number(headers[":status"]);
      done({ healthy: status >= 200 && status < 400, detail: `HTTP/2 ${status}` });
    });
    req.on("error", (error: Error) => done({ healthy: false, detail: probeErrorDetail(error, timeoutMs) }));
    req.end();
  });
};

/** The probe for an app's replicas: h2c ones get probeH2c, others `probe` (injected in tests) or probeHttp. */
export function probeFor(upstreamProtocol: "http1" | "h2c", probe?: HealthProbe): HealthProbe {
  return upstreamProtocol === "h2c" ? probeH2c : (probe ?? probeHttp);
}

export type HealthOutcome =
  | { healthy: true; afterMs: number; detail: string }
  | { healthy: false; afterMs: number; detail: string; exited: boolean };

export interface WaitForHealthyOptions {
  url: string;
  intervalMs: number;
  probeTimeoutMs: number;
  /** Give up after this long (the deploy timeout). */
  deadlineMs: number;
  probe?: HealthProbe;
  /** Checked between probes so a crashed replica fails the deploy at once, not at the deadline. */
  state?: () => Promise<ReplicaState>;
  signal?: AbortSignal;
}

/** Probes until healthy, exited, aborted or past the deadline. Never throws. */
export async function waitForHealthy(options: WaitForHealthyOptions): Promise<HealthOutcome> {
  const probe = options.probe ?? probeHttp;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let last = "no probe yet";
  while (!options.signal?.aborted) {
    const remaining = options.deadlineMs - elapsed();
    const result = await probe(options.url, Math.max(1, Math.min(options.probeTimeoutMs, remaining)));
    if (result.healthy) return { healthy: true, afterMs: elapsed(), detail: result.detail };
    last = result.detail;
    if (options.state) {
      const state = await options.state().catch(() => null);
      if (state && !state.running) {
        // The probes' failures are a consequence here: nothing listens because the app is gone.
        const how = state.exitCode === null ? "stopped running" : `exited with code ${state.exitCode}`;
        return {
          healthy: false,
          afterMs: elapsed(),
          detail: `the app ${how} before it was healthy`,
          exited: true,
        };
      }
    }
    if (elapsed() + options.intervalMs >= options.deadlineMs) break;
    await sleep(options.intervalMs, options.signal);
  }
  const why = options.signal?.aborted ? "cancelled" : `not healthy within ${options.deadlineMs / 1000}s`;
  return { healthy: false, afterMs: elapsed(), detail: `${why} (last probe: ${last})`, exited: false };
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
