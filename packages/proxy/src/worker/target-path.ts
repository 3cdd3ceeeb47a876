/**
 * The request target's path as routes see it. Dot segments are removed (RFC 3986 5.2.4) before
 * prefix matching and stripping, so `/public/../admin` is `/admin` for the route table and for the
 * upstream alike: passed on as sent, it matched `/public` and reached the app as `/../admin`.
 * `%2e` counts as a dot there, as the servers behind the proxy decode it.
 */

export enum TargetKind {
  /** Forwarded as sent. */
  Plain = 0,
  /** Holds a dot segment (or a `%2e` that may make one): rewritten by removeDotSegments. */
  DotSegments = 1,
  /** A byte no request target holds (white space or a control byte): the request is refused. */
  Invalid = 2,
}

/** Looks at the target's bytes [start, end) once; the common target is Plain. */
export function scanTarget(buf: Uint8Array, start: number, end: number): TargetKind {
  let kind = TargetKind.Plain;
  let inPath = true;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    // White space or a control byte: readers disagree where such a target ends (a tab splits it for Bun).
    if (c <= 32 || c === 127) return TargetKind.Invalid;
    if (!inPath || kind !== TargetKind.Plain) continue;
    if (c === 63 /* ? */) inPath = false;
    else if (c === 37 /* % */) {
      if (buf[i + 1] === 50 && (buf[i + 2]! | 0x20) === 101) kind = TargetKind.DotSegments;
    } else if (c === 46 /* . */ && i > start && buf[i - 1] === 47 /* / */) {
      // "/." or "/.." ending a segment (the target's end counts as one).
      const next = i + 1 < end ? buf[i + 1]! : 47;
      const after = i + 2 < end ? buf[i + 2]! : 47;
      if (next === 47 || next === 63 || (next === 46 && (after === 47 || after === 63)))
        kind = TargetKind.DotSegments;
    }
  }
  return kind;
}

/** The target with `.` and `..` segments of its path resolved; the query is kept as it was. */
export function removeDotSegments(target: string): string {
  if (target.charCodeAt(0) !== 47) return target;
  const q = target.indexOf("?");
  const path = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? "" : target.slice(q);
  const segments = path.split("/");
  const out: string[] = [];
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i]!;
    const last = i === segments.length - 1;
    const dots = segment.length <= 6 ? segment.replace(/%2e/gi, ".") : segment;
    if (dots === "." || dots === "..") {
      if (dots === "..") out.pop();
      // "/a/." and "/a/b/.." name a directory: the trailing slash stays.
      if (last) out.push("");
      continue;
    }
    out.push(segment);
  }
  return `/${out.join("/")}${query}`;
}
