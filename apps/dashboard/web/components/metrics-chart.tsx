import type { MetricPoint } from "../format.ts";

const width = 640;
const height = 180;
const pad = { left: 34, right: 38, top: 8, bottom: 20 };
const classes = [
  { key: "status2xx", color: "var(--c2xx)" },
  { key: "status3xx", color: "var(--c3xx)" },
  { key: "status4xx", color: "var(--c4xx)" },
  { key: "status5xx", color: "var(--c5xx)" },
] as const;

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (value <= step * magnitude) return step * magnitude;
  return 10 * magnitude;
}

/**
 * Requests per minute as stacked bars by status class, p95 latency as a line on the right axis.
 * Hand-written SVG: one chart of bars and a line does not justify a chart library, which would
 * weigh more than the rest of the dashboard's script (docs/performance.md, Measured while building).
 */
export function MetricsChart({ points }: { points: MetricPoint[] }) {
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const maxRequests = niceMax(Math.max(0, ...points.map((p) => p.requests)));
  const maxLatency = niceMax(Math.max(0, ...points.map((p) => p.p95Ms ?? 0)));
  const slot = plotW / Math.max(points.length, 1);
  const barW = Math.max(1, slot * 0.8);
  const y = (v: number) => pad.top + plotH - (v / maxRequests) * plotH;
  const yLatency = (v: number) => pad.top + plotH - (v / maxLatency) * plotH;
  const latencyPath = points
    .map((p, i) =>
      p.p95Ms === null || p.p95Ms === undefined
        ? null
        : `${pad.left + i * slot + slot / 2},${yLatency(p.p95Ms)}`,
    )
    .filter((s): s is string => s !== null)
    .join(" ");
  const label = (p: MetricPoint) =>
    new Date(p.minute).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

  return (
    <svg
      class="chart"
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label="Requests per minute and p95 latency"
    >
      <line x1={pad.left} x2={width - pad.right} y1={y(0)} y2={y(0)} stroke="var(--border)" />
      <line
        x1={pad.left}
        x2={width - pad.right}
        y1={y(maxRequests)}
        y2={y(maxRequests)}
        stroke="var(--border)"
        stroke-dasharray="3 3"
      />
      <text x={pad.left - 4} y={y(maxRequests) + 4} text-anchor="end" font-size="10" fill="var(--muted)">
        {maxRequests}
      </text>
      <text x={pad.left - 4} y={y(0)} text-anchor="end" font-size="10" fill="var(--muted)">
        0
      </text>
      <text x={width - pad.right + 4} y={yLatency(maxLatency) + 4} font-size="10" fill="var(--p95)">
        {maxLatency} ms
      </text>
      {points.map((p, i) => {
        let base = 0;
        const x = pad.left + i * slot + (slot - barW) / 2;
        return (
          <g key={String(p.minute)}>
            <title>{`${label(p)}: ${p.requests} req, p95 ${p.p95Ms ?? "–"} ms`}</title>
            {classes.map((c) => {
              const value = p[c.key];
              if (!value) return null;
              const top = y(base + value);
              const rect = (
                <rect key={c.key} x={x} y={top} width={barW} height={y(base) - top} fill={c.color} />
              );
              base += value;
              return rect;
            })}
          </g>
        );
      })}
      {latencyPath ? (
        <polyline points={latencyPath} fill="none" stroke="var(--p95)" stroke-width="2" />
      ) : null}
      {latencyPath.split(" ").map((xy) => {
        // Dots as well as the line: a minute with traffic between quiet ones is still visible.
        const [cx, cy] = xy.split(",");
        return xy ? <circle key={xy} cx={cx} cy={cy} r="2.5" fill="var(--p95)" /> : null;
      })}
      {points.length ? (
        <>
          <text x={pad.left} y={height - 4} font-size="10" fill="var(--muted)">
            {label(points[0]!)}
          </text>
          <text x={width - pad.right} y={height - 4} text-anchor="end" font-size="10" fill="var(--muted)">
            {label(points[points.length - 1]!)}
          </text>
        </>
      ) : null}
    </svg>
  );
}
