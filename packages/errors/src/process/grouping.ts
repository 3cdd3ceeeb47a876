import type { Frame, ProcessedEvent, ProcessedException } from "./processed-event.ts";

export interface Grouping {
  /** Stable hash of the components: the issue key within a project. */
  hash: string;
  kind: "fingerprint" | "exception" | "message";
  components: string[];
}

const HEX_ADDRESS = /\b0x[0-9a-f]+\b/gi;
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
const LONG_HEX = /\b[0-9a-f]{8,}\b/gi;
const ISO_TIME = /\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?\b/g;
const IPV4 = /\b\d{1,3}(\.\d{1,3}){3}\b/g;
const NUMBER = /\b\d+(\.\d+)?\b/g;

/** Strips what varies between occurrences of the same problem: ids, addresses, times, numbers. */
export function normalizeMessage(message: string): string {
  return message
    .replace(UUID, "<uuid>")
    .replace(HEX_ADDRESS, "<addr>")
    .replace(ISO_TIME, "<time>")
    .replace(IPV4, "<ip>")
    .replace(LONG_HEX, "<hex>")
    .replace(NUMBER, "<num>")
    .trim();
}

/**
 * A frame's identity without its position: the same code path after a deploy that shifts line
 * numbers or re-hashes bundle names still lands in the same issue.
 */
export function frameComponent(frame: Frame): string {
  let where = frame.module ?? frame.filename ?? "";
  if (!frame.module) {
    where = where
      .replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]+/i, "") // origin of browser bundles (host and port vary)
      .replace(/[?#].*$/, "")
      .replace(/([.-])[0-9a-f]{6,}(?=[.-])/gi, "$1<hash>"); // app.3f9a2c1b.js
  }
  const fn = (frame.function ?? "?").replace(HEX_ADDRESS, "<addr>").replace(/\$\d+$/, "");
  return `${where}:${fn}`;
}

function exceptionComponents(exception: ProcessedException): string[] {
  const inApp = exception.frames.filter((f) => f.inApp);
  const frames = inApp.length > 0 ? inApp : exception.frames;
  const parts = [`type:${exception.type ?? "Error"}`];
  if (frames.length === 0) parts.push(`value:${normalizeMessage(exception.value ?? "")}`);
  for (const frame of frames) parts.push(frameComponent(frame));
  return parts;
}

export function defaultComponents(event: ProcessedEvent): {
  kind: "exception" | "message";
  components: string[];
} {
  // captureMessage with attachStacktrace arrives as a typeless exception whose value is the message:
  // it still groups by message, or every message from one call site would merge into one issue.
  const message =
    event.message ?? event.exceptions.find((e) => e.type === null && e.value !== null)?.value ?? null;
  const thrown = event.exceptions.some((e) => e.type !== null);
  if (thrown || (message === null && event.exceptions.length > 0)) {
    return { kind: "exception", components: event.exceptions.flatMap(exceptionComponents) };
  }
  return { kind: "message", components: [`message:${normalizeMessage(message ?? "")}`] };
}

function hashComponents(components: string[]): string {
  return new Bun.CryptoHasher("sha1").update(components.join("\n")).digest("hex").slice(0, 32);
}

/** Client fingerprint first (`{{ default }}` expands to the built-in components), then exception, then message. */
export function groupEvent(event: ProcessedEvent): Grouping {
  const fallback = defaultComponents(event);
  if (event.fingerprint.length > 0) {
    const components = event.fingerprint.flatMap((part) =>
      /^\{\{\s*default\s*\}\}$/.test(part) ? fallback.components : [`custom:${part}`],
    );
    return { kind: "fingerprint", components, hash: hashComponents(components) };
  }
  return { ...fallback, hash: hashComponents(fallback.components) };
}

function mainException(event: ProcessedEvent): ProcessedException | undefined {
  return event.exceptions[event.exceptions.length - 1];
}

export function issueTitle(event: ProcessedEvent): string {
  const exception = mainException(event);
  let title: string;
  if (exception && (exception.type || exception.value)) {
    title = exception.type
      ? `${exception.type}${exception.value ? `: ${exception.value}` : ""}`
      : exception.value!;
  } else {
    title = event.message ?? "<no message>";
  }
  const firstLine = title.split("\n", 1)[0]!;
  return firstLine.length > 200 ? `${firstLine.slice(0, 199)}…` : firstLine;
}

/** Where it broke: the innermost in-app frame, like Sentry's culprit; the transaction otherwise. */
export function issueCulprit(event: ProcessedEvent): string {
  const frames = mainException(event)?.frames ?? [];
  const frame = [...frames].reverse().find((f) => f.inApp) ?? frames[frames.length - 1];
  if (frame) {
    const where = frame.module ?? frame.filename?.replace(/[?#].*$/, "") ?? "";
    return frame.function && frame.function !== "?" ? `${frame.function}(${where})` : where;
  }
  return event.transaction ?? event.logger ?? "";
}
