import { useEffect, useRef, useState } from "preact/hooks";
import type uPlot from "uplot";
import { errorMessage } from "../../api.ts";
import { ErrorBox } from "../ui.tsx";
import { bucketLabel, compactNumber, resolveColor } from "./chart-format.ts";

export interface ChartSeries {
  label: string;
  /** One per x; null is a gap (no data), not a zero. */
  values: (number | null)[];
  /** A CSS colour or `var(--name)` of style.css. */
  color: string;
  kind?: "line" | "area" | "bars";
  /** Dashed: the previous period next to the current one. */
  dashed?: boolean;
  /** The right-hand axis, for a second unit (ms next to counts). */
  right?: boolean;
  format?: (value: number) => string;
}

export interface TimeChartProps {
  /** What the chart shows, for screen readers (the numbers are in the tables beside it). */
  label: string;
  /** Bucket starts, epoch ms. */
  x: number[];
  /** Bucket width: how the tooltip names a bucket. */
  stepMs: number;
  series: ChartSeries[];
  height?: number;
  leftFormat?: (value: number) => string;
  rightFormat?: (value: number) => string;
  testid?: string;
}

// uPlot is about 50 KB: fetched with the first chart, never with the dashboard's first load.
let library: Promise<typeof uPlot> | undefined;
const loadUPlot = () => {
  library ??= import("uplot").then((m) => m.default);
  library.catch(() => {
    library = undefined;
  });
  return library;
};

/**
 * A time-series chart (uPlot on a canvas): dated x axis, one or two y axes, a tooltip that follows
 * the pointer with every series' value, and a legend. It takes the width of its container and
 * redraws in the other colour scheme when the system's changes.
 */
export function TimeChart(props: TimeChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [scheme, setScheme] = useState(0);

  useEffect(() => {
    const media = matchMedia("(prefers-color-scheme: dark)");
    const change = () => setScheme((n) => n + 1);
    media.addEventListener("change", change);
    return () => media.removeEventListener("change", change);
  }, []);

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    let plot: uPlot | undefined;
    let observer: ResizeObserver | undefined;
    let live = true;
    loadUPlot().then(
      (UPlot) => {
        if (!live) return;
        plot = new UPlot(chartOptions(UPlot, props, element), chartData(props), element);
        observer = new ResizeObserver(() => plot?.setSize(size(element, props.height)));
        observer.observe(element);
      },
      (e) => live && setError(errorMessage(e)),
    );
    return () => {
      live = false;
      observer?.disconnect();
      plot?.destroy();
    };
  }, [props.x, props.series, props.height, scheme]);

  return (
    <figure class="time-chart" data-testid={props.testid}>
      <div
        ref={box}
        class="time-chart-plot"
        role="img"
        aria-label={props.label}
        style={{ minHeight: `${(props.height ?? 200) + 30}px` }}
      />
      <ErrorBox error={error ? `The chart could not load: ${error}` : null} />
      <figcaption class="legend">
        {props.series.map((s) => (
          <span key={s.label}>
            <i
              class={s.dashed ? "dashed" : ""}
              style={{ background: s.dashed ? "none" : s.color, borderColor: s.color }}
            />
            {s.label}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

function size(element: HTMLElement, height = 200) {
  return { width: Math.max(200, element.clientWidth), height };
}

function chartData(props: TimeChartProps): uPlot.AlignedData {
  return [props.x, ...props.series.map((s) => s.values)];
}

function chartOptions(UPlot: typeof uPlot, props: TimeChartProps, element: HTMLElement): uPlot.Options {
  const color = (c: string) => resolveColor(c, element);
  const muted = color("var(--muted)");
  const grid = color("var(--border)");
  const hasRight = props.series.some((s) => s.right);
  const axis = (scale: string, side: 1 | 3, format = compactNumber): uPlot.Axis => ({
    scale,
    side,
    stroke: muted,
    grid: { stroke: grid, width: 1, show: side === 3 },
    ticks: { show: false },
    size: 44,
    values: (_u, ticks) => ticks.map((t) => format(t)),
  });
  const bars = UPlot.paths.bars?.({ size: [0.7, 48], gap: 1 });
  return {
    ...size(element, props.height),
    ms: 1,
    legend: { show: false },
    cursor: { drag: { x: false, y: false }, points: { size: 6 } },
    scales: {
      x: { time: true },
      y: { range: (_u, _min, max) => [0, max > 0 ? max : 1] },
      right: { range: (_u, _min, max) => [0, max > 0 ? max : 1] },
    },
    axes: [
      { stroke: muted, grid: { show: false }, ticks: { stroke: grid }, space: 60 },
      axis("y", 3, props.leftFormat),
      ...(hasRight ? [axis("right", 1, props.rightFormat)] : []),
    ],
    series: [
      {},
      ...props.series.map((s): uPlot.Series => {
        const stroke = color(s.color);
        return {
          label: s.label,
          scale: s.right ? "right" : "y",
          stroke,
          width: s.kind === "bars" ? 0 : 2,
          dash: s.dashed ? [5, 4] : undefined,
          fill: s.kind === "bars" ? stroke : s.kind === "area" ? `${stroke}26` : undefined,
          paths: s.kind === "bars" ? bars : undefined,
          spanGaps: false,
        };
      }),
    ],
    plugins: [tooltip(props)],
  };
}

/** A box next to the pointer naming the bucket and every series' value there. */
function tooltip(props: TimeChartProps): uPlot.Plugin {
  let box: HTMLDivElement;
  return {
    hooks: {
      init: (u) => {
        box = document.createElement("div");
        box.className = "chart-tooltip";
        box.setAttribute("role", "status");
        box.hidden = true;
        u.over.append(box);
        u.over.addEventListener("mouseleave", () => {
          box.hidden = true;
        });
      },
      setCursor: (u) => {
        const index = u.cursor.idx;
        const left = u.cursor.left ?? -1;
        if (index === null || index === undefined || left < 0) {
          box.hidden = true;
          return;
        }
        const x = props.x[index];
        if (x === undefined) return;
        box.replaceChildren();
        const title = document.createElement("b");
        title.textContent = bucketLabel(x, props.stepMs);
        box.append(title);
        for (const s of props.series) {
          const value = s.values[index];
          const row = document.createElement("div");
          const swatch = document.createElement("i");
          swatch.style.background = resolveColor(s.color, u.root);
          row.append(
            swatch,
            `${s.label}: ${value === null || value === undefined ? "–" : (s.format ?? String)(value)}`,
          );
          box.append(row);
        }
        box.hidden = false;
        const width = u.over.clientWidth;
        box.style.left = `${left > width / 2 ? left - box.offsetWidth - 12 : left + 12}px`;
        box.style.top = `${Math.max(0, (u.cursor.top ?? 0) - 20)}px`;
      },
    },
  };
}
