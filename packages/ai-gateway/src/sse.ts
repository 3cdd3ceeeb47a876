export interface SseEvent {
  event?: string;
  data: string;
  /** The event exactly as received, including its terminating blank line. */
  raw: string;
}

/**
 * Splits a byte stream into complete server-sent events. Partial events wait for their blank line;
 * everything complete is returned at once, so forwarding adds no delay beyond one event.
 */
export class SseParser {
  private buffer = "";
  private readonly decoder = new TextDecoder();

  push(chunk: Uint8Array | string): SseEvent[] {
    this.buffer += typeof chunk === "string" ? chunk : this.decoder.decode(chunk, { stream: true });
    const events: SseEvent[] = [];
    // Bounded by the number of complete events in the buffer.
    while (true) {
      const match = /\r?\n\r?\n/.exec(this.buffer);
      if (!match) break;
      const end = match.index + match[0].length;
      const raw = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end);
      const parsed = parseEvent(raw);
      if (parsed) events.push(parsed);
    }
    return events;
  }

  /** Whatever is left when the stream ends without a final blank line. */
  flush(): SseEvent[] {
    const rest = this.buffer;
    this.buffer = "";
    if (!rest.trim()) return [];
    const parsed = parseEvent(`${rest}\n\n`);
    return parsed ? [parsed] : [];
  }
}

function parseEvent(raw: string): SseEvent | undefined {
  let event: string | undefined;
  const data: string[] = [];
  for (const line of raw.split(/\r?\n/)) {
    if (line.startsWith("data:")) data.push(line.slice(line[5] === " " ? 6 : 5));
    else if (line.startsWith("event:")) event = line.slice(6).trim();
  }
  if (data.length === 0 && event === undefined) return undefined;
  return { event, data: data.join("\n"), raw };
}

export function sseData(data: string): string {
  return `data: ${data}\n\n`;
}
