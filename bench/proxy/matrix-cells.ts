/**
 * The cells of `make bench-proxy`'s matrix (docs/performance.md, Proxy matrix) and the filter that
 * picks a subset: the whole matrix takes a long time, so `PROXY_MATRIX` narrows it, e.g.
 *   PROXY_MATRIX="upstream=nginx threads=2 conns=64,1000 size=small tls=plain"
 * Each word is `dimension=value[,value...]`; a dimension not named keeps all its values. Several
 * filters separated by `;` add up (each cell once). `PROXY_MATRIX=off` skips the matrix. Pure.
 */
export type Upstream = "bun" | "nginx";
/** Keep-alive connections, or `close`: a new connection per request (64 clients). */
export type Conns = 64 | 1000 | 4000 | 10000 | "close";

export interface Cell {
  upstream: Upstream;
  threads: 1 | 2;
  conns: Conns;
  size: "small" | "64k";
  tls: boolean;
}

export const dimensions = {
  upstream: ["bun", "nginx"],
  threads: ["1", "2"],
  conns: ["64", "1000", "4000", "10000", "close"],
  size: ["small", "64k"],
  tls: ["plain", "tls"],
} as const;

type Dimension = keyof typeof dimensions;

export class MatrixFilterError extends Error {}

/** The chosen values per dimension, from PROXY_MATRIX's words; throws on an unknown word or value. */
export function parseMatrixFilter(spec: string): Record<Dimension, string[]> {
  const chosen = Object.fromEntries(
    Object.entries(dimensions).map(([name, values]) => [name, [...values]]),
  ) as Record<Dimension, string[]>;
  for (const word of spec.trim().split(/\s+/).filter(Boolean)) {
    const [name, list] = word.split("=", 2) as [string, string | undefined];
    if (!(name in dimensions) || list === undefined) {
      throw new MatrixFilterError(
        `PROXY_MATRIX: "${word}" is not dimension=value (dimensions: ${Object.keys(dimensions).join(", ")})`,
      );
    }
    const allowed: readonly string[] = dimensions[name as Dimension];
    const values = list.split(",");
    const unknown = values.filter((v) => !allowed.includes(v));
    if (unknown.length > 0) {
      throw new MatrixFilterError(
        `PROXY_MATRIX: ${name} takes ${allowed.join(", ")}, not ${unknown.join(", ")}`,
      );
    }
    chosen[name as Dimension] = values;
  }
  return chosen;
}

/** Every cell the filters keep, upstream outermost (the proxies restart per upstream). */
export function matrixCells(spec: string): Cell[] {
  const filters = spec.split(";").map(parseMatrixFilter);
  const keep = (dimension: Dimension, value: string) => filters.some((f) => f[dimension].includes(value));
  const kept = (c: Cell) =>
    filters.some(
      (f) =>
        f.upstream.includes(c.upstream) &&
        f.threads.includes(String(c.threads)) &&
        f.conns.includes(String(c.conns)) &&
        f.size.includes(c.size) &&
        f.tls.includes(c.tls ? "tls" : "plain"),
    );
  const f = Object.fromEntries(
    Object.entries(dimensions).map(([name, values]) => [
      name,
      values.filter((v) => keep(name as Dimension, v)),
    ]),
  ) as Record<Dimension, string[]>;
  const cells: Cell[] = [];
  for (const upstream of f.upstream)
    for (const threads of f.threads)
      for (const conns of f.conns)
        for (const size of f.size)
          for (const tls of f.tls)
            cells.push({
              upstream: upstream as Upstream,
              threads: Number(threads) as 1 | 2,
              conns: conns === "close" ? "close" : (Number(conns) as Conns),
              size: size as Cell["size"],
              tls: tls === "tls",
            });
  return cells.filter(kept);
}

export function cellName(c: Cell): string {
  const conns = c.conns === "close" ? "close (64 clients)" : `${c.conns} keep-alive`;
  return `${c.upstream} upstream, -t${c.threads}, ${conns}, ${c.size === "small" ? "small" : "64 KB"}, ${c.tls ? "TLS" : "plain"}`;
}
