import { AnthropicStreamTranslator } from "./anthropic.ts";
import { SseParser } from "./sse.ts";

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
  kind: "openai" | "anthropic";
  /** Model name shown in translated chunks. */
  model: string;
  includeUsage: boolean;
  startedAt: number;
  now: () => number;
  abortUpstream(): void;
  /** A provider silent for this long mid-stream is cut off (the stream ends with an error event). */
  idleTimeoutMs: number;
  onDone(outcome: RelayOutcome): void;
}

const maxCachedBytes = 1024 * 1024;
const usagePattern = /"usage"\s*:\s*\{/;
const contentPattern = /"(?:content|text)"\s*:\s*"[^"]/;

/**
 * Passes a provider's SSE stream to the client event by event as it arrives: never more than one
 * partial event is held back. On the side it reads usage (OpenAI's final usage chunk, Anthropic's
 * message_start/message_delta) and the time to the first token.
 */
export function relayStream(options: RelayOptions): ReadableStream<Uint8Array> {
  const reader = options.upstream.body!.getReader();
  const parser = new SseParser();
  const encoder = new TextEncoder();
  const translator =
    options.kind === "anthropic"
      ? new AnthropicStreamTranslator(options.model, options.includeUsage, Math.floor(Date.now() / 1000))
      : undefined;
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
    if (translator) {
      promptTokens = translator.promptTokens;
      completionTokens = translator.completionTokens;
    }
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

  const handleOpenAi = (raw: string, data: string): string => {
    if (data !== "[DONE]" && usagePattern.test(data)) {
      try {
        const chunk = JSON.parse(data) as {
          choices?: unknown[];
          usage?: { prompt_tokens?: number; completion_tokens?: number };
        };
        promptTokens = chunk.usage?.prompt_tokens ?? promptTokens;
        completionTokens = chunk.usage?.completion_tokens ?? completionTokens;
        // pier asked for this chunk; a client that did not must not see a chunk without choices.
        if (!options.includeUsage && (!chunk.choices || chunk.choices.length === 0)) return "";
      } catch {
        // not JSON: forward as is
      }
    }
    return raw;
  };

  const process = (chunk: Uint8Array): string => {
    let out = "";
    for (const event of parser.push(chunk)) {
      const text = translator ? translator.translate(event) : handleOpenAi(event.raw, event.data);
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
          let result: Awaited<ReturnType<typeof reader.read>> | "stalled";
          try {
            idle.refresh();
            result = await Promise.race([
              reader.read(),
              new Promise<"stalled">((resolve) => {
                wake = resolve;
              }),
            ]);
            wake = undefined;
          } catch (error) {
            stopIdle();
            finish(502, `stream broke: ${(error as Error).message}`);
            controller.error(error);
            return;
          }
          if (result === "stalled") {
            finish(504, `provider sent nothing for ${options.idleTimeoutMs} ms`);
            options.abortUpstream();
            reader.cancel().catch(() => {});
            const message = `The provider stopped sending for ${options.idleTimeoutMs} ms; pier closed the stream.`;
            controller.enqueue(
              encoder.encode(
                `data: ${JSON.stringify({ error: { code: "upstream_timeout", message, type: "upstream_timeout" } })}\n\n`,
              ),
            );
            controller.close();
            return;
          }
          if (result.done) {
            let tail = "";
            for (const event of parser.flush()) tail += translator ? translator.translate(event) : event.raw;
            if (translator) tail += translator.finish();
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
        reader.cancel().catch(() => {});
      },
    },
    { highWaterMark: 0 },
  );
}
