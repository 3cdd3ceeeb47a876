import { type CheckResult, describeNetworkError } from "../evaluate.ts";

/** Healthy when a TCP connection opens within the timeout; the connection is closed at once. */
export async function runTcpCheck(host: string, port: number, timeoutMs: number): Promise<CheckResult> {
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const connected = Bun.connect({
    hostname: host,
    port,
    socket: { data() {}, error() {}, connectError() {} },
  });
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(Object.assign(new Error("timeout"), { name: "TimeoutError" })),
        timeoutMs,
      );
    });
    const socket = await Promise.race([connected, timeout]);
    const latencyMs = Math.round(performance.now() - started);
    socket.end();
    return { ok: true, latencyMs };
  } catch (error) {
    // A connect that completes after the timeout must not leave an open socket behind.
    connected.then((late) => late.end()).catch(() => {});
    return {
      ok: false,
      latencyMs: Math.round(performance.now() - started),
      error: describeNetworkError(error, timeoutMs),
    };
  } finally {
    clearTimeout(timer);
  }
}
