import type { SpendBucket } from "./usage-log.ts";

interface Totals {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

const zero = (): Totals => ({ requests: 0, promptTokens: 0, completionTokens: 0, costUsd: 0 });

function add(into: Totals, row: Totals): void {
  into.requests += row.requests;
  into.promptTokens += row.promptTokens;
  into.completionTokens += row.completionTokens;
  into.costUsd += row.costUsd;
}

/** Totals, per-app and per-model rollups and the time series, from the SQL-grouped rows. */
export function summarizeSpend(rows: SpendBucket[], appNames: ReadonlyMap<string, string>) {
  const total = zero();
  const byApp = new Map<string, Totals>();
  const byModel = new Map<string, Totals>();
  const appName = (id: string | null) => (id ? (appNames.get(id) ?? id) : "(no app)");
  for (const row of rows) {
    add(total, row);
    const app = appName(row.appId);
    if (!byApp.has(app)) byApp.set(app, zero());
    add(byApp.get(app)!, row);
    if (!byModel.has(row.model)) byModel.set(row.model, zero());
    add(byModel.get(row.model)!, row);
  }
  const byCost = (a: Totals, b: Totals) => b.costUsd - a.costUsd;
  return {
    total,
    byApp: [...byApp].map(([app, t]) => ({ app, ...t })).sort(byCost),
    byModel: [...byModel].map(([model, t]) => ({ model, ...t })).sort(byCost),
    series: rows.map((r) => ({
      bucket: new Date(r.bucket).toISOString(),
      app: appName(r.appId),
      model: r.model,
      requests: r.requests,
      promptTokens: r.promptTokens,
      completionTokens: r.completionTokens,
      costUsd: r.costUsd,
    })),
  };
}
