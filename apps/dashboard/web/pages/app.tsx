import { pier } from "../api.ts";
import { ErrorBox, Link } from "../components/ui.tsx";
import { type AppTab, appTabs, routeHref } from "../routes.ts";
import { useApi } from "../use-api.ts";
import { AnalyticsTab } from "./app-analytics.tsx";
import { CronTab } from "./app-cron.tsx";
import { DeploymentsTab } from "./app-deployments.tsx";
import { DomainsTab } from "./app-domains.tsx";
import { EnvTab } from "./app-env.tsx";
import { LogsTab } from "./app-logs.tsx";
import { MetricsTab } from "./app-metrics.tsx";
import { PreviewsTab } from "./app-previews.tsx";

const tabLabels: Record<AppTab, string> = {
  deployments: "Deployments",
  env: "Environment",
  domains: "Domains",
  previews: "Previews",
  cron: "Cron",
  logs: "Logs",
  metrics: "Metrics",
  analytics: "Analytics",
};

export function AppPage({ name, tab }: { name: string; tab: AppTab }) {
  const detail = useApi(() => pier.call("GET /api/v1/apps/:name", { params: { name } }), [name]);
  return (
    <>
      <div class="spread">
        <h1>{name}</h1>
        <span class="small muted">
          {detail.data ? `default branch ${detail.data.app.defaultBranch}` : ""}
        </span>
      </div>
      <ErrorBox error={detail.error} />
      <nav class="tabs" aria-label="App sections">
        {appTabs.map((t) => (
          <Link key={t} href={routeHref({ page: "app", name, tab: t })} class={t === tab ? "active" : ""}>
            {tabLabels[t]}
          </Link>
        ))}
      </nav>
      {tab === "deployments" ? <DeploymentsTab app={name} /> : null}
      {tab === "env" ? <EnvTab app={name} /> : null}
      {tab === "domains" ? <DomainsTab app={name} /> : null}
      {tab === "previews" ? <PreviewsTab app={name} /> : null}
      {tab === "cron" ? <CronTab app={name} /> : null}
      {tab === "logs" ? <LogsTab app={name} /> : null}
      {tab === "metrics" ? <MetricsTab app={name} /> : null}
      {tab === "analytics" ? <AnalyticsTab app={name} /> : null}
    </>
  );
}
