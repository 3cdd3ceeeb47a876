import { PierError } from "@pier/core";
import { z } from "zod";

/**
 * Source map v3 lookups (https://sourcemaps.info/spec.html): where a position of minified code came
 * from. Pure. The mappings are decoded once per map (VLQ state carries across lines, so a line
 * cannot be decoded alone) into per-line segment arrays, then each lookup is a binary search.
 */

/** A 400: what was uploaded cannot be used as a source map. */
export class SourceMapError extends PierError {
  constructor(detail: string) {
    super("invalid_source_map", `Not a usable source map: ${detail}.`, 400);
    this.name = "SourceMapError";
  }
}

const sourceMapSchema = z.looseObject({
  version: z.literal(3, "only version 3 source maps are supported"),
  sources: z.array(z.string().nullable()),
  sourcesContent: z.array(z.string().nullable()).optional(),
  names: z.array(z.string()).default([]),
  mappings: z.string(),
  sourceRoot: z.string().optional(),
});

/** [generated column, source index, original line, original column, name index or -1], all 0-based. */
type Segment = [number, number, number, number, number];

export interface SourceMap {
  sources: string[];
  sourcesContent: (string | null)[];
  names: string[];
  lines: Segment[][];
}

export interface OriginalPosition {
  source: string;
  /** 1-based, as stack frames count. */
  line: number;
  /** 1-based. */
  column: number;
  name: string | null;
  /** The source text, when the map embeds it. */
  content: string | null;
}

const base64 = new Map(
  [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"].map((c, i) => [c, i]),
);

function decodeVlq(text: string, at: { i: number }): number {
  let result = 0;
  let shift = 0;
  for (;;) {
    const digit = base64.get(text[at.i++] ?? "");
    if (digit === undefined) throw new SourceMapError("bad base64 VLQ in mappings");
    result += (digit & 31) << shift;
    if ((digit & 32) === 0) break;
    shift += 5;
  }
  return result & 1 ? -(result >>> 1) : result >>> 1;
}

export function parseSourceMap(json: unknown): SourceMap {
  const parsed = sourceMapSchema.safeParse(json);
  if (!parsed.success) throw new SourceMapError(parsed.error.issues.map((i) => i.message).join("; "));
  const map = parsed.data;
  const root = map.sourceRoot ? `${map.sourceRoot.replace(/\/+$/, "")}/` : "";
  const lines: Segment[][] = [];
  let source = 0;
  let origLine = 0;
  let origCol = 0;
  let name = 0;
  for (const lineText of map.mappings.split(";")) {
    const segments: Segment[] = [];
    let genCol = 0;
    for (const part of lineText.split(",")) {
      if (part === "") continue;
      const at = { i: 0 };
      genCol += decodeVlq(part, at);
      if (at.i >= part.length) continue; // a segment without a source position
      source += decodeVlq(part, at);
      origLine += decodeVlq(part, at);
      origCol += decodeVlq(part, at);
      let nameIndex = -1;
      if (at.i < part.length) {
        name += decodeVlq(part, at);
        nameIndex = name;
      }
      segments.push([genCol, source, origLine, origCol, nameIndex]);
    }
    segments.sort((a, b) => a[0] - b[0]);
    lines.push(segments);
  }
  return {
    sources: map.sources.map((s) => `${root}${s ?? ""}`),
    sourcesContent: map.sourcesContent ?? [],
    names: map.names,
    lines,
  };
}

/** The original position of generated `line`:`column` (both 1-based), or null when unmapped. */
export function originalPosition(map: SourceMap, line: number, column: number): OriginalPosition | null {
  const segments = map.lines[line - 1];
  if (!segments || segments.length === 0) return null;
  const col = column - 1;
  let lo = 0;
  let hi = segments.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (segments[mid]![0] <= col) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (found === -1) return null;
  const [, sourceIndex, origLine, origCol, nameIndex] = segments[found]!;
  return {
    source: map.sources[sourceIndex] ?? "",
    line: origLine + 1,
    column: origCol + 1,
    name: nameIndex >= 0 ? (map.names[nameIndex] ?? null) : null,
    content: map.sourcesContent[sourceIndex] ?? null,
  };
}
