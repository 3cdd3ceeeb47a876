import { percent, type Vitals } from "./analytics-query.ts";

const metrics = [
  ["lcp", "Largest Contentful Paint", "LCP"],
  ["inp", "Interaction to Next Paint", "INP"],
  ["cls", "Cumulative Layout Shift", "CLS"],
  ["ttfb", "Time to First Byte", "TTFB"],
] as const;

const value = (metric: keyof Vitals, v: number | null) =>
  v === null ? "–" : metric === "cls" ? v.toFixed(3) : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v} ms`;

/** p75 of each Web Vital with the shares of good, needs-improvement and poor page loads. */
export function VitalsPanel({ vitals }: { vitals: Vitals }) {
  const none = metrics.every(([m]) => vitals[m].samples === 0);
  return (
    <section class="panel" aria-label="Web Vitals">
      <h2>Web Vitals (p75)</h2>
      {none ? (
        <p class="muted">No Web Vitals yet: browsers send them when a visitor leaves a page.</p>
      ) : (
        <div class="vitals" data-testid="analytics-vitals">
          {metrics.map(([metric, name, short]) => {
            const v = vitals[metric];
            const r = v.ratings;
            const tone = v.samples === 0 ? "muted" : r.good >= 0.75 ? "ok" : r.poor > 0.25 ? "bad" : "warn";
            return (
              <div key={metric}>
                <div class="spread">
                  <span title={name}>
                    <b>{short}</b> <span class="small muted">{name}</span>
                  </span>
                </div>
                <b class={`badge ${tone}`}>{value(metric, v.p75)}</b>
                <div
                  class="rating-bar"
                  role="img"
                  aria-label={`${short}: ${percent(r.good, 0)} good, ${percent(r.needsImprovement, 0)} needs improvement, ${percent(r.poor, 0)} poor`}
                >
                  <span class="good" style={{ width: `${r.good * 100}%` }} />
                  <span class="ni" style={{ width: `${r.needsImprovement * 100}%` }} />
                  <span class="poor" style={{ width: `${r.poor * 100}%` }} />
                </div>
                <div class="small muted">
                  good {percent(r.good, 0)} · needs improvement {percent(r.needsImprovement, 0)} · poor{" "}
                  {percent(r.poor, 0)} · {v.samples} loads
                </div>
              </div>
            );
          })}
        </div>
      )}
    </section>
  );
}
