import type { MonitorStatus } from "../incident-state.ts";
import type { DailyRollup } from "../stats.ts";

export interface StatusComponent {
  name: string;
  status: MonitorStatus | "paused";
  uptime90d: number | null;
  days: DailyRollup[];
}

export interface StatusIncident {
  component: string;
  startedAt: string;
  resolvedAt: string | null;
  reason: string;
}

export interface StatusPageModel {
  title: string;
  description: string | null;
  components: StatusComponent[];
  openIncidents: StatusIncident[];
  pastIncidents: StatusIncident[];
  generatedAt: Date;
}

const escapes: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => escapes[c]!);
}

export type OverallState = "operational" | "degraded" | "outage" | "unknown";

export function overallState(components: StatusComponent[]): OverallState {
  const live = components.filter((c) => c.status !== "paused");
  if (live.length === 0) return "unknown";
  const down = live.filter((c) => c.status === "down").length;
  if (down === live.length) return "outage";
  if (down > 0 || live.some((c) => c.status === "retrying")) return "degraded";
  return live.every((c) => c.status === "up") ? "operational" : "unknown";
}

const banner: Record<OverallState, string> = {
  operational: "All systems operational",
  degraded: "Partial outage",
  outage: "Major outage",
  unknown: "Status unknown",
};
const componentLabel: Record<StatusComponent["status"], string> = {
  up: "Operational",
  retrying: "Degraded",
  down: "Down",
  unknown: "No data yet",
  paused: "Not monitored",
};

/** Bar colour by the day's success share; grey means no checks that day. */
export function barClass(dayRollup: DailyRollup): string {
  if (dayRollup.checks === 0) return "none";
  const share = (dayRollup.checks - dayRollup.failures) / dayRollup.checks;
  if (share >= 0.999) return "ok";
  if (share >= 0.95) return "minor";
  return "major";
}

const css = `body{font:15px/1.5 system-ui,-apple-system,Segoe UI,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
main{max-width:860px;margin:0 auto;padding:32px 16px}h1{font-size:26px;margin:0 0 4px}
.banner{padding:14px 18px;border-radius:8px;color:#fff;font-weight:600;margin:20px 0}
.operational{background:#188038}.degraded{background:#e37400}.outage{background:#d93025}.unknown{background:#5f6368}
.card{background:#fff;border:1px solid #e1e4e8;border-radius:8px;padding:14px 18px;margin:12px 0}
.row{display:flex;justify-content:space-between;gap:12px}.state-up{color:#188038}.state-down{color:#d93025}
.state-retrying{color:#e37400}.state-unknown,.state-paused{color:#5f6368}
.bars{display:flex;gap:2px;margin-top:10px;height:34px}.bars span{flex:1;border-radius:2px}
.bars .ok{background:#34a853}.bars .minor{background:#fbbc04}.bars .major{background:#ea4335}.bars .none{background:#dadce0}
.legend{display:flex;justify-content:space-between;font-size:12px;color:#5f6368}
.incident{border-left:4px solid #d93025}.resolved{border-left:4px solid #9aa0a6}
footer{font-size:12px;color:#5f6368;margin-top:24px}`;

/** "2026-11-25 14:21 UTC": readable everywhere without client-side time zones. */
export function formatWhen(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

function incidentHtml(incident: StatusIncident, open: boolean): string {
  const when = open
    ? `since ${formatWhen(incident.startedAt)}`
    : `${formatWhen(incident.startedAt)} – ${formatWhen(incident.resolvedAt ?? "")}`;
  return `<div class="card ${open ? "incident" : "resolved"}"><strong>${escapeHtml(incident.component)}</strong> ${open ? "is down" : "was down"}<br><small>${when}</small><br>${escapeHtml(incident.reason)}</div>`;
}

/** Server-rendered, no JavaScript, no external assets: it has to load when everything else is down. */
export function renderStatusPage(model: StatusPageModel): string {
  const state = overallState(model.components);
  const components = model.components
    .map((c) => {
      const bars = c.days
        .map((d) => {
          const label =
            d.checks === 0 ? "no data" : `${(((d.checks - d.failures) / d.checks) * 100).toFixed(2)}% up`;
          return `<span class="${barClass(d)}" title="${d.day}: ${label}"></span>`;
        })
        .join("");
      const uptime = c.uptime90d === null ? "" : `${c.uptime90d.toFixed(2)}% uptime`;
      return `<div class="card component"><div class="row"><strong>${escapeHtml(c.name)}</strong><span class="state-${c.status}">${componentLabel[c.status]}</span></div><div class="bars">${bars}</div><div class="legend"><span>90 days ago</span><span>${uptime}</span><span>today</span></div></div>`;
    })
    .join("\n");
  const open = model.openIncidents.map((i) => incidentHtml(i, true)).join("\n");
  const past = model.pastIncidents.map((i) => incidentHtml(i, false)).join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="refresh" content="60"><title>${escapeHtml(model.title)} status</title><style>${css}</style></head>
<body><main><h1>${escapeHtml(model.title)}</h1>${model.description ? `<p>${escapeHtml(model.description)}</p>` : ""}
<div class="banner ${state}" data-state="${state}">${banner[state]}</div>
${open ? `<h2>Ongoing incidents</h2>\n${open}` : ""}
<h2>Components</h2>
${components || "<p>No components on this page yet.</p>"}
${past ? `<h2>Past incidents</h2>\n${past}` : ""}
<footer>Updated ${formatWhen(model.generatedAt.toISOString())} · powered by pier</footer></main></body></html>`;
}
