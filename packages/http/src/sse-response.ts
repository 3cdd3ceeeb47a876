/** A text/event-stream response; `run` writes events until it resolves or the client goes away. */
export function sseResponse(
  signal: AbortSignal,
  run: (send: (event: string, data: string) => void, closed: AbortSignal) => Promise<void>,
): Response {
  const encoder = new TextEncoder();
  const closed = new AbortController();
  signal.addEventListener("abort", () => closed.abort(), { once: true });
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
