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
    const name = (error as Error).name;
    if (name === "TimeoutError" || name === "AbortError")
      return { healthy: false, detail: `no answer within ${timeoutMs}ms` };
    return { healthy: false, detail: (error as Error).message || String(error) };
  }
};

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
    session.on("error", (error: Error) => done({ healthy: false, detail: error.message || String(error) }));
    const req = session.request({ ":path": `${pathname}${search}`, "user-agent": "pier-health-check" });
    req.on("response", (headers) => {
      const status = Number(headers[":status"]);
      done({ healthy: status >= 200 && status < 400, detail: `HTTP/2 ${status}` });
    });
    req.on("error", (error: Error) => done({ healthy: false, detail: error.message || String(error) }));
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
        const how = state.exitCode === null ? "is not running" : `exited with code ${state.exitCode}`;
        return {
          healthy: false,
          afterMs: elapsed(),
          detail: `container ${how} (last probe: ${last})`,
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
