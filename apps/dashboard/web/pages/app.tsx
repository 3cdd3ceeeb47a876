import { useState } from "preact/hooks";
import { ApiError, pier } from "../api.ts";
import { DeployPanel } from "../components/deploy-panel.tsx";
import { NotFound } from "../components/shell.tsx";
import { ErrorBox, ScrollTabs, StatusBadge } from "../components/ui.tsx";
import { navigate } from "../router.ts";
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
import { AppSettingsTab } from "./app-settings.tsx";
import { TracesTab } from "./app-traces.tsx";

const tabLabels: Record<AppTab, string> = {
  deployments: "Deployments",
  env: "Environment",
  domains: "Domains",
  previews: "Previews",
  cron: "Cron",
  logs: "Logs",
  metrics: "Metrics",
  traces: "Traces",
  analytics: "Analytics",
  settings: "Settings",
};

/** The app, or null when there is none of that name (the page then says so). */
async function loadApp(name: string) {
  try {
    return (await pier.call("GET /api/v1/apps/:name", { params: { name } })).app;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

async function loadProduction(name: string) {
  const { environments } = await pier.call("GET /api/v1/apps/:name/environments", { params: { name } });
  return environments.find((e) => e.kind === "production") ?? null;
}

export function AppPage({ name, tab }: { name: string; tab: AppTab }) {
  const detail = useApi(() => loadApp(name), [name]);
  const production = useApi(() => loadProduction(name), [name], 30_000);
  const [deploying, setDeploying] = useState(false);
  if (detail.data === null) return <NotFound what={`The app "${name}"`} />;
  const env = production.data;
  return (
    <>
      <div class="page-head">
        <div>
          <h1>{name}</h1>
          <div class="sub">
            <StatusBadge status={env?.status ?? (production.data === null ? "new" : undefined)} />
            {env?.url ? (
              <a href={env.url} target="_blank" rel="noreferrer">
                {env.url.replace(/^https?:\/\//, "")}
              </a>
            ) : null}
            {detail.data ? <span>production branch {detail.data.defaultBranch}</span> : null}
            {detail.data?.domains.length ? <span>{detail.data.domains.join(", ")}</span> : null}
          </div>
        </div>
        <button
          type="button"
          class="primary"
          aria-expanded={deploying}
          aria-controls="deploy-panel"
          onClick={() => setDeploying(!deploying)}
        >
          Deploy
        </button>
      </div>
      <ErrorBox error={detail.error} />
      {deploying ? (
        <div id="deploy-panel">
          <DeployPanel
            app={name}
            onClose={() => setDeploying(false)}
            onStarted={(id) => {
              setDeploying(false);
              navigate(`${routeHref({ page: "app", name, tab: "deployments" })}#${id}`);
            }}
          />
        </div>
      ) : null}
      <ScrollTabs
        label="App sections"
        tabs={appTabs.map((t) => ({
          href: routeHref({ page: "app", name, tab: t }),
          label: tabLabels[t],
          current: t === tab,
        }))}
      />
      {/* Only the tabs about deployments hold the deploy-events stream open (and refresh the status above). */}
      {tab === "deployments" ? (
        <DeploymentsTab app={name} focus={location.hash.slice(1)} onChange={production.reload} />
      ) : null}
      {tab === "env" ? <EnvTab app={name} /> : null}
      {tab === "domains" ? <DomainsTab app={name} /> : null}
      {tab === "previews" ? <PreviewsTab app={name} onChange={production.reload} /> : null}
      {tab === "cron" ? <CronTab app={name} /> : null}
      {tab === "logs" ? <LogsTab app={name} /> : null}
      {tab === "metrics" ? <MetricsTab app={name} /> : null}
      {tab === "traces" ? <TracesTab app={name} /> : null}
      {tab === "analytics" ? <AnalyticsTab app={name} /> : null}
      {tab === "settings" ? <AppSettingsTab app={name} defaultBranch={detail.data?.defaultBranch} /> : null}
    </>
  );
}
