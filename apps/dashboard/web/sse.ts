import { failure } from "./api.ts";

export interface ServerEvent {
  event: string;
  data: string;
}

/** Splits an SSE byte stream into events. Pure, so the parser is tested without a server. */
export function createSseParser(onEvent: (event: ServerEvent) => void) {
  let buffer = "";
  let event = "message";
  let data: string[] = [];
  return (chunk: string) => {
    buffer += chunk;
    let newline = buffer.search(/\r?\n/);
    while (newline !== -1) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(buffer[newline] === "\r" ? newline + 2 : newline + 1);
      if (line === "") {
        if (data.length) onEvent({ event, data: data.join("\n") });
        event = "message";
        data = [];
      } else if (!line.startsWith(":")) {
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") event = value;
        else if (field === "data") data.push(value);
      }
      newline = buffer.search(/\r?\n/);
    }
  };
}

/**
 * fetch-based instead of EventSource: an EventSource hides the HTTP status and body, and the
 * dashboard must show the API's error (404 app, 403 scope) rather than a silent reconnect loop.
 * Resolves when the server ends the stream; rejects with an ApiError on a non-2xx answer.
 */
export async function streamEvents(
  path: string,
  onEvent: (event: ServerEvent) => void,
  signal: AbortSignal,
  onOpen?: () => void,
): Promise<void> {
  const response = await fetch(`/api/v1${path}`, {
    credentials: "same-origin",
    headers: { accept: "text/event-stream" },
    signal,
  });
  if (!response.ok || !response.body) throw await failure(response, `GET ${path}`);
  onOpen?.();
  const parse = createSseParser(onEvent);
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) return;
      parse(decoder.decode(value, { stream: true }));
    }
  } catch (error) {
    if (signal.aborted) return;
    throw error;
  }
}
