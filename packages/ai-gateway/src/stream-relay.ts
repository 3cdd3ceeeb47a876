import { errorCode } from "./dispatch.ts";
import { SseParser } from "./sse.ts";
import type { StreamCodec } from "./stream-codecs.ts";

export interface RelayOutcome {
  status: number;
  promptTokens: number;
  completionTokens: number;
  ttftMs: number | null;
  /** The downstream events in order, for the cache; undefined when incomplete or too large. */
  events: string[] | undefined;
  error?: string;
}

export interface RelayOptions {
  upstream: Response;
  /** The provider's name, for the error event a client gets when its stream cannot be read. */
  provider: string;
  /** What each provider event becomes downstream (stream-codecs.ts); it reads the usage too. */
  codec: StreamCodec;
  startedAt: number;
  now: () => number;
  abortUpstream(): void;
  /** A provider silent for this long mid-stream is cut off (the stream ends with an error event). */
  idleTimeoutMs: number;
  onDone(outcome: RelayOutcome): void;
}

const maxCachedBytes = 1024 * 1024;
// A token of text: chat deltas, Anthropic text_delta, Responses output_text.delta.
const contentPattern = /"(?:content|text|delta)"\s*:\s*"[^"]/;

/**
 * Passes a provider's SSE stream to the client event by event as it arrives: never more than one
 * partial event is held back. Its codec translates each event when the client speaks another API
 * than the provider and reads the usage; the relay measures the time to the first token.
 */
export function relayStream(options: RelayOptions): ReadableStream<Uint8Array> {
  // Taken on the first pull: Bun may decode a body that has fully arrived right here, and a body
  // that does not match its Content-Encoding must end as an error event, not a reset connection.
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const parser = new SseParser();
  const encoder = new TextEncoder();
  const codec = options.codec;
  let promptTokens = 0;
  let completionTokens = 0;
  let contentEvents = 0;
  let ttftMs: number | null = null;
  let events: string[] | undefined = [];
  let cachedBytes = 0;
  let finished = false;

  const finish = (status: number, error?: string) => {
    if (finished) return;
    finished = true;
    promptTokens = codec.promptTokens;
    completionTokens = codec.completionTokens;
    // Providers that send no usage chunk still get an estimate: one token per content event.
    if (completionTokens === 0) completionTokens = contentEvents;
    options.onDone({
      status,
      promptTokens,
      completionTokens,
      ttftMs,
      events: status === 200 ? events : undefined,
      error,
    });
  };

  const keep = (text: string) => {
    if (!events) return;
    cachedBytes += text.length;
    if (cachedBytes > maxCachedBytes) events = undefined;
    else events.push(text);
  };

  const process = (chunk: Uint8Array): string => {
    let out = "";
    for (const event of parser.push(chunk)) {
      const text = codec.translate(event);
      if (!text) continue;
      if (contentPattern.test(text)) {
        contentEvents++;
        if (ttftMs === null) ttftMs = options.now() - options.startedAt;
      }
      keep(text);
      out += text;
    }
    return out;
  };

  // One timer for the whole stream, re-armed per read with refresh() (which also revives a fired
  // timer); it only counts while pier waits on the provider, never while the client is slow.
  let wake: ((value: "stalled") => void) | undefined;
  const idle = setTimeout(() => wake?.("stalled"), options.idleTimeoutMs);
  const stopIdle = () => clearTimeout(idle);

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        // Bounded: each pass consumes one upstream chunk; the loop only skips chunks that produce no output.
        for (let pass = 0; pass < 100_000; pass++) {
          let result: Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>["read"]>> | "stalled";
          try {
            reader ??= options.upstream.body!.getReader();
            idle.refresh();
            result = await Promise.race([
              reader.read(),
              new Promise<"stalled">((resolve) => {
                wake = resolve;
              }),
            ]);
            wake = undefined;
          } catch (error) {
            // The runtime's message names the provider's URL: the log keeps its code, the client
            // gets the provider's name.
            stopIdle();
            finish(502, `stream unreadable (${errorCode(error)})`);
            options.abortUpstream();
            const message = `Provider "${options.provider}" sent a stream pier could not read: the connection broke, or the body does not match its Content-Encoding.`;
            controller.enqueue(encoder.encode(codec.error("upstream_invalid", message)));
            controller.close();
            return;
          }
          if (result === "stalled") {
            finish(504, `provider sent nothing for ${options.idleTimeoutMs} ms`);
            options.abortUpstream();
            reader?.cancel().catch(() => {});
            const message = `The provider stopped sending for ${options.idleTimeoutMs} ms; pier closed the stream.`;
            controller.enqueue(encoder.encode(codec.error("upstream_timeout", message)));
            controller.close();
            return;
          }
          if (result.done) {
            let tail = "";
            for (const event of parser.flush()) tail += codec.translate(event);
            tail += codec.finish();
            if (tail) {
              keep(tail);
              controller.enqueue(encoder.encode(tail));
            }
            stopIdle();
            finish(200);
            controller.close();
            return;
          }
          const out = process(result.value);
          if (out) {
            controller.enqueue(encoder.encode(out));
            return;
          }
        }
      },
      cancel() {
        stopIdle();
        finish(499, "client closed the stream");
        options.abortUpstream();
        reader?.cancel().catch(() => {});
      },
    },
    { highWaterMark: 0 },
  );
}
