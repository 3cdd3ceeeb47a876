/** What the waterfall needs of a span. */
export interface WaterfallSpan {
  spanId: string;
  parentSpanId: string | null;
  start: number;
  durationMs: number;
}

export interface WaterfallRow<S extends WaterfallSpan> {
  span: S;
  /** Nesting under its parent (0 for roots and spans whose parent never arrived). */
  depth: number;
  /** Where its bar starts and how wide it is, in percent of the trace's whole time. */
  offsetPct: number;
  widthPct: number;
}

/**
 * Spans in tree order (each parent followed by its children, siblings by start time), with their
 * depth and bar geometry relative to the trace's first start and last end. A span whose parent is
 * missing (not sent, or sampled out) is drawn as a root rather than dropped.
 */
export function waterfall<S extends WaterfallSpan>(spans: S[]): { rows: WaterfallRow<S>[]; totalMs: number } {
  if (spans.length === 0) return { rows: [], totalMs: 0 };
  const start = Math.min(...spans.map((s) => s.start));
  const end = Math.max(...spans.map((s) => s.start + s.durationMs));
  const totalMs = Math.max(end - start, 0.001);
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string | null, S[]>();
  for (const span of spans) {
    const parent = span.parentSpanId !== null && ids.has(span.parentSpanId) ? span.parentSpanId : null;
    const list = children.get(parent);
    if (list) list.push(span);
    else children.set(parent, [span]);
  }
  for (const list of children.values()) list.sort((a, b) => a.start - b.start);
  const rows: WaterfallRow<S>[] = [];
  const seen = new Set<string>();
  const visit = (span: S, depth: number) => {
    if (seen.has(span.spanId)) return; // a cycle in bad data must not loop forever
    seen.add(span.spanId);
    rows.push({
      span,
      depth,
      offsetPct: ((span.start - start) / totalMs) * 100,
      widthPct: Math.max((span.durationMs / totalMs) * 100, 0.2),
    });
    for (const child of children.get(span.spanId) ?? []) visit(child, depth + 1);
  };
  for (const root of children.get(null) ?? []) visit(root, 0);
  return { rows, totalMs };
}
