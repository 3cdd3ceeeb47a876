import type { Context } from "hono";
import { watchAuthorization } from "./authorization-watch.ts";
import type { ApiEnv } from "./env.ts";

/** What a stream needs of its request: when the client goes away, and whose authorization it rides on. */
export interface StreamSource {
  signal: AbortSignal;
  stillValid?: () => Promise<boolean>;
  /** How often stillValid is asked; tests shorten it. */
  recheckEveryMs?: number;
}

/** The StreamSource of a console request that went through authentication. */
export function streamSource(c: Context<ApiEnv>): StreamSource {
  return { signal: c.req.raw.signal, stillValid: c.get("principal")?.stillValid };
}

/**
 * A text/event-stream response; `run` writes events until it resolves or the client goes away, or
 * (given the principal's `stillValid`) until the token or session that opened it ends.
 */
export function sseResponse(
  source: AbortSignal | StreamSource,
  run: (send: (event: string, data: string) => void, closed: AbortSignal) => Promise<void>,
): Response {
  const { signal, stillValid, recheckEveryMs } = source instanceof AbortSignal ? { signal: source } : source;
  const encoder = new TextEncoder();
  const closed = new AbortController();
  signal.addEventListener("abort", () => closed.abort(), { once: true });
  const stopWatching = watchAuthorization(stillValid, () => closed.abort(), recheckEveryMs);
  closed.signal.addEventListener("abort", stopWatching, { once: true });
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (event: string, data: string) => {
        if (closed.signal.aborted) return;
        const lines = data
          .split("\n")
          .map((l) => `data: ${l}`)
          .join("\n");
        try {
          controller.enqueue(encoder.encode(`event: ${event}\n${lines}\n\n`));
        } catch {
          closed.abort();
        }
      };
      // Comments keep idle proxies and browsers from timing the stream out (the console itself
      // does not: routes that stream call keepOpen).
      const heartbeat = setInterval(() => {
        try {
          controller.enqueue(encoder.encode(": keep-alive\n\n"));
        } catch {
          closed.abort();
        }
      }, 5_000);
      try {
        await run(send, closed.signal);
      } finally {
        clearInterval(heartbeat);
        closed.abort();
        try {
          controller.close();
        } catch {
          // already closed by the client
        }
      }
    },
    cancel() {
      closed.abort();
    },
  });
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      "x-accel-buffering": "no",
    },
  });
}
