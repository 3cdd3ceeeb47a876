import { existsSync } from "node:fs";
import {
  type ControlStatus,
  controlSocketPath,
  controlStatusSchema,
  type HandoverEvent,
  type HandoverRequest,
  handoverEventSchema,
} from "../handover/control-api.ts";

/** Talks to the pier running on a data dir through its control socket. */

/** The running pier's status, or undefined when none answers on that data dir. */
export async function runningPier(dataDir: string): Promise<ControlStatus | undefined> {
  const unix = controlSocketPath(dataDir);
  if (!existsSync(unix)) return undefined;
  try {
    const response = await fetch("http://pier/v1/status", { unix, signal: AbortSignal.timeout(5_000) });
    if (!response.ok) return undefined;
    return controlStatusSchema.parse(await response.json());
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EACCES" || code === "EPERM")
      throw new Error(
        `cannot reach the running pier through ${unix}: permission denied; run pier upgrade as the user pier runs as, or with sudo`,
      );
    return undefined;
  }
}

/**
 * Asks the running pier to hand over to `request.binary`; calls `onEvent` for each step as it
 * happens and resolves with the last one ("stopped" once the old process drained, or "failed").
 */
export async function requestHandover(
  dataDir: string,
  request: Partial<HandoverRequest> & { binary: string },
  onEvent: (event: HandoverEvent) => void,
): Promise<HandoverEvent | undefined> {
  const response = await fetch("http://pier/v1/hand-over", {
    unix: controlSocketPath(dataDir),
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(request),
  });
  if (!response.ok || !response.body) {
    const text = await response.text();
    throw new Error(
      `the running pier refused the hand-over (HTTP ${response.status}): ${text.slice(0, 300)}`,
    );
  }
  let last: HandoverEvent | undefined;
  let pending = "";
  const decoder = new TextDecoder();
  const take = (line: string) => {
    if (line.trim() === "") return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      return;
    }
    const parsed = handoverEventSchema.safeParse(json);
    if (!parsed.success) return;
    last = parsed.data;
    onEvent(parsed.data);
  };
  try {
    for await (const chunk of response.body) {
      pending += decoder.decode(chunk, { stream: true });
      let newline = pending.indexOf("\n");
      while (newline !== -1) {
        take(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
        newline = pending.indexOf("\n");
      }
    }
  } catch {
    // The old process exited before its last line: what arrived says how far it got.
  }
  take(pending);
  return last;
}
