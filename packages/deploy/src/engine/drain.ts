import type { ProxyPool } from "@pier/proxy";
import type { DrainMonitor } from "../ports.ts";

/**
 * Ends a deploy's drain as soon as no proxied exchange (WebSocket tunnels included) is in flight
 * to the old replicas, and at the latest after the drain timeout, which stays the cap for long
 * requests. Without a proxy, or when its workers do not answer, the whole timeout is waited as
 * before: stopping a replica early is the one thing a drain must never do. WebSockets still open
 * at the end are closed by the proxy with a 1001 close frame both ways (closeTunnels) before the
 * replicas stop, so clients see Going Away and reconnect, not an abnormal 1006.
 */
export function proxyDrainMonitor(
  proxy: Pick<ProxyPool, "inFlight" | "closeTunnels"> | undefined,
  pollMs = 25,
): DrainMonitor {
  return {
    async waitForIdle(upstreams, timeoutMs) {
      const deadline = performance.now() + timeoutMs;
      const left = () => Math.max(0, deadline - performance.now());
      if (!proxy) return Bun.sleep(left());
      const origins = upstreams.map((u) => (u.startsWith("http://") ? u : `http://${u}`));
      while (left() > 0) {
        let count: number;
        try {
          count = await proxy.inFlight(origins);
        } catch {
          return Bun.sleep(left());
        }
        if (count === 0) return;
        await Bun.sleep(Math.min(pollMs, left()));
      }
      await proxy.closeTunnels(origins).catch(() => 0);
    },
  };
}
