/** Points of a sparkline path in a `width` × `height` box, the largest value at the top. Pure. */
export function sparkPoints(values: number[], width: number, height: number): [number, number][] {
  if (values.length === 0) return [];
  const max = Math.max(...values, 1);
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  return values.map((v, i) => [i * step, height - 1 - (v / max) * (height - 2)]);
}

/**
 * A tiny line of requests over time (hand-written SVG: the home must stay light, the chart library
 * is for the pages with real charts). `label` is what a screen reader hears instead.
 */
export function Sparkline({ values, label }: { values: number[]; label: string }) {
  const width = 100;
  const height = 24;
  const points = sparkPoints(values, width, height);
  const line = points.map(([x, y], i) => `${i ? "L" : "M"}${x.toFixed(1)} ${y.toFixed(1)}`).join("");
  const area = points.length ? `${line}L${width} ${height}L0 ${height}Z` : "";
  return (
    <svg viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" role="img" aria-label={label}>
      {area ? <path class="area" d={area} /> : null}
      {line ? <path class="line" d={line} vector-effect="non-scaling-stroke" /> : null}
    </svg>
  );
}
