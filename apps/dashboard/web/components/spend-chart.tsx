// Spend of the AI gateway: daily cost stacked by model (see pages/ai.tsx).
import type { PierRoute } from "@pier/contract";
import type { ClientOutput, RouteOf } from "@pier/http/contract";

export type SpendReport = ClientOutput<RouteOf<PierRoute, "GET /api/v1/ai/spend">>;

// Single requests cost fractions of a cent: small amounts keep two significant digits.
export const usd = (value: number) =>
  value === 0
    ? "$0"
    : value >= 1
      ? `$${value.toFixed(2)}`
      : value >= 0.01
        ? `$${value.toFixed(4)}`
        : `$${value.toPrecision(2)}`;

const palette = ["#4f7cff", "#e8a23a", "#3fb68b", "#d9534f", "#9b6bd6", "#5bc0de"];

/** Daily cost stacked by model: hand-written SVG like the traffic chart, no chart library. */
export function SpendChart({ report, days }: { report: SpendReport; days: number }) {
  const width = 640;
  const height = 160;
  const pad = { left: 48, bottom: 18, top: 6 };
  const models = report.byModel.map((m) => m.model).slice(0, palette.length);
  const dayMs = 86_400_000;
  const start = Math.floor((Date.now() - (days - 1) * dayMs) / dayMs) * dayMs;
  const perDay = Array.from({ length: days }, () => new Map<string, number>());
  for (const point of report.series) {
    const index = Math.floor((Date.parse(point.bucket) - start) / dayMs);
    const model = models.includes(point.model) ? point.model : "other";
    const day = perDay[index];
    if (day) day.set(model, (day.get(model) ?? 0) + point.costUsd);
  }
  const max = Math.max(1e-9, ...perDay.map((d) => [...d.values()].reduce((a, b) => a + b, 0)));
  const slot = (width - pad.left) / days;
  const plotH = height - pad.top - pad.bottom;
  return (
    <>
      <svg class="chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label="Cost per day by model">
        <text x={pad.left - 4} y={pad.top + 10} text-anchor="end" font-size="10" fill="var(--muted)">
          {usd(max)}
        </text>
        <line x1={pad.left} x2={width} y1={pad.top + plotH} y2={pad.top + plotH} stroke="var(--border)" />
        {perDay.map((day, i) => {
          let y = pad.top + plotH;
          return [...models, "other"].map((model, m) => {
            const cost = day.get(model) ?? 0;
            if (!cost) return null;
            const h = (cost / max) * plotH;
            y -= h;
            return (
              <rect
                key={`${i}-${model}`}
                x={pad.left + i * slot + slot * 0.1}
                y={y}
                width={Math.max(1, slot * 0.8)}
                height={h}
                fill={palette[m] ?? "var(--muted)"}
              >
                <title>{`${new Date(start + i * dayMs).toISOString().slice(0, 10)} ${model}: ${usd(cost)}`}</title>
              </rect>
            );
          });
        })}
      </svg>
      <div class="legend">
        {models.map((model, m) => (
          <span key={model}>
            <i style={{ background: palette[m] }} />
            {model}
          </span>
        ))}
      </div>
    </>
  );
}
