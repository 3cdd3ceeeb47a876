// Spend of the AI gateway per day, one line per model or per app (see pages/ai).
import type { PierRoute } from "@pier/contract";
import type { ClientOutput, RouteOf } from "@pier/http/contract";
import { useState } from "preact/hooks";
import { TimeChart } from "./charts/time-chart.tsx";
import { Segmented } from "./segmented.tsx";

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

const palette = ["var(--accent)", "var(--p95)", "var(--c4xx)", "var(--c2xx)", "var(--c5xx)"];
const dayMs = 86_400_000;

/** Cost per day of the five most expensive models (or apps), the rest as "other". */
export function SpendChart({ report, days }: { report: SpendReport; days: number }) {
  const [by, setBy] = useState<"model" | "app">("model");
  const top = (by === "model" ? report.byModel.map((m) => m.model) : report.byApp.map((a) => a.app)).slice(
    0,
    5,
  );
  const start = Math.floor((Date.now() - (days - 1) * dayMs) / dayMs) * dayMs;
  const x = Array.from({ length: days }, (_, i) => start + i * dayMs);
  const groups = [...top, "other"];
  const values = groups.map(() => x.map(() => 0));
  for (const point of report.series) {
    const index = Math.floor((Date.parse(point.bucket) - start) / dayMs);
    const name = by === "model" ? point.model : point.app;
    const group = top.includes(name) ? top.indexOf(name) : groups.length - 1;
    const row = values[group]!;
    if (index >= 0 && index < days) row[index] = (row[index] ?? 0) + point.costUsd;
  }
  const series = groups
    .map((name, g) => ({ label: name, values: values[g]!, color: palette[g] ?? "var(--muted)", format: usd }))
    .filter((s) => s.values.some((v) => v > 0));
  return (
    <>
      <Segmented
        label="Spend per"
        options={[
          ["model", "per model"],
          ["app", "per app"],
        ]}
        value={by}
        onChange={setBy}
      />
      <TimeChart
        testid="ai-spend-chart"
        label={`Cost per day ${by === "model" ? "by model" : "by app"}`}
        x={x}
        stepMs={dayMs}
        leftFormat={usd}
        series={series}
      />
    </>
  );
}
