import type { Frame, ProcessedEvent } from "../process/processed-event.ts";
import { originalPosition, type SourceMap } from "./decode.ts";

/**
 * Names under which a frame's minified file may have been uploaded, most specific first: the path
 * as the SDK sent it, then for URLs `~` + the path (Sentry's convention for "any origin"), without
 * query or fragment. Pure.
 */
export function artifactNames(absPath: string): string[] {
  const names = [absPath];
  const url = /^[a-z][a-z0-9+.-]*:\/\/[^/]*(\/[^?#]*)/i.exec(absPath);
  if (url) names.push(`~${url[1]}`);
  else if (absPath.startsWith("/")) names.push(`~${absPath}`);
  return [...new Set(names)];
}

const CONTEXT_LINES = 5;

/** Looks a map up by artifact name (for the event's project and release); null when none was uploaded. */
export type MapLookup = (name: string) => Promise<SourceMap | null>;

/**
 * Frames of minified code rewritten to their original source: file, line, column and the lines
 * around it when the map embeds the sources. The minified position is kept in `minified`. Frames
 * without a map (or an unmapped position) are left as they are. Pure apart from `lookup`.
 */
export async function symbolicate(event: ProcessedEvent, lookup: MapLookup): Promise<ProcessedEvent> {
  const maps = new Map<string, Promise<SourceMap | null>>();
  const mapFor = async (absPath: string): Promise<SourceMap | null> => {
    let pending = maps.get(absPath);
    if (!pending) {
      pending = (async () => {
        for (const name of artifactNames(absPath)) {
          const map = await lookup(name);
          if (map) return map;
        }
        return null;
      })();
      maps.set(absPath, pending);
    }
    return pending;
  };
  const mapFrame = async (frame: Frame): Promise<Frame> => {
    // Browser SDKs send the script URL as `filename` only; server SDKs send `abs_path` too.
    const path = frame.absPath ?? frame.filename;
    if (!path || frame.lineno == null || frame.colno == null) return frame;
    const map = await mapFor(path);
    if (!map) return frame;
    const original = originalPosition(map, frame.lineno, frame.colno);
    if (!original) return frame;
    const lines = original.content?.split(/\r?\n/) ?? null;
    const at = original.line - 1;
    return {
      ...frame,
      filename: original.source,
      absPath: original.source,
      lineno: original.line,
      colno: original.column,
      inApp: !original.source.includes("node_modules/"),
      contextLine: lines?.[at] ?? null,
      preContext: lines ? lines.slice(Math.max(0, at - CONTEXT_LINES), at) : [],
      postContext: lines ? lines.slice(at + 1, at + 1 + CONTEXT_LINES) : [],
      minified: { absPath: path, lineno: frame.lineno, colno: frame.colno },
    };
  };
  const exceptions = await Promise.all(
    event.exceptions.map(async (exception) => ({
      ...exception,
      frames: await Promise.all(exception.frames.map(mapFrame)),
    })),
  );
  return { ...event, exceptions };
}
