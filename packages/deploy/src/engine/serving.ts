import type { AppRow, EnvironmentRow } from "@pier/db";
import type { RouteConflict, RouteSpec } from "@pier/proxy";

export interface ServedReplica {
  containerId: string;
  upstream: string;
}

export interface ServedEnvironment {
  appId: string;
  app: string;
  env: string;
  environmentId: string;
  kind: "production" | "preview";
  /** The preview host; production hosts come from the app name and its domains. */
  host: string | null;
  deploymentId: string;
  /** What the proxy dials (`127.0.0.1:PORT`); changed by the rollout's route swap. */
  upstreams: string[];
  /** The live release's replicas, drained when the next release goes live. */
  replicas: ServedReplica[];
  /** Asleep after being idle: no replicas, the route kept as sleeping until a request wakes it. */
  sleeping?: boolean;
  /** The live release's `[deploy] upstream_protocol`: "h2c" routes the proxy speaks HTTP/2 to (gRPC). */
  upstreamProtocol?: "http1" | "h2c";
}

/** What serves `deploymentId` in `environment`: its replicas, and the proxy dialling all of them. */
export function servedEnvironment(
  app: Pick<AppRow, "id" | "name">,
  environment: Pick<EnvironmentRow, "id" | "name" | "kind" | "host">,
  deploymentId: string,
  replicas: ServedReplica[],
): ServedEnvironment {
  return {
    appId: app.id,
    app: app.name,
    env: environment.name,
    environmentId: environment.id,
    kind: environment.kind,
    host: environment.host,
    deploymentId,
    upstreams: replicas.map((r) => r.upstream),
    replicas,
  };
}

const key = (app: string, env: string) => `${app}/${env}`;

/**
 * In-memory truth of what serves each environment. The database says which deployment is
 * current; this table says where its replicas listen right now (ports change on every restart).
 */
export class ServingTable {
  private readonly entries = new Map<string, ServedEnvironment>();

  get(app: string, env: string): ServedEnvironment | undefined {
    return this.entries.get(key(app, env));
  }

  set(entry: ServedEnvironment): void {
    this.entries.set(key(entry.app, entry.env), entry);
  }

  setUpstreams(app: string, env: string, upstreams: string[]): void {
    const entry = this.entries.get(key(app, env));
    if (!entry) throw new Error(`No environment ${env} of ${app} is being deployed`);
    entry.upstreams = upstreams;
  }

  delete(app: string, env: string): ServedEnvironment | undefined {
    const entry = this.entries.get(key(app, env));
    this.entries.delete(key(app, env));
    return entry;
  }

  list(): ServedEnvironment[] {
    return [...this.entries.values()];
  }

  forApp(app: string): ServedEnvironment[] {
    return this.list().filter((e) => e.app === app);
  }
}

export function productionHost(app: string, baseDomain: string): string {
  return `${app}.${baseDomain}`;
}

export function previewHost(slug: string, app: string, baseDomain: string): string {
  return `${slug}--${app}.${baseDomain}`;
}

/**
 * A route of a sleeping environment: no upstreams, and `sleeping: true` for the proxy, which holds
 * the request and asks the control plane to wake it (the `appRuntime` capability's wakeRoute with
 * this route's id; RouteSpec's `sleeping` in @pier/proxy).
 */
export type AppRouteSpec = RouteSpec & { sleeping?: true };

/**
 * Route specs for every environment with replicas, or asleep. Pure: domains are passed in by app id.
 * Every generated host (APP.BASE_DOMAIN, previews' hosts) comes before every custom domain: when
 * a custom domain equals another app's generated host, the proxy keeps the earlier route
 * (resolveRouteConflicts), so the app keeps its own address.
 */
export function appRoutes(
  served: ServedEnvironment[],
  domainsByApp: Map<string, string[]>,
  baseDomain: string,
): AppRouteSpec[] {
  const generated: AppRouteSpec[] = [];
  const custom: AppRouteSpec[] = [];
  for (const entry of served) {
    if (entry.upstreams.length === 0 && !entry.sleeping) continue;
    const own = (
      entry.kind === "production" ? productionHost(entry.app, baseDomain) : entry.host
    )?.toLowerCase();
    const domains = entry.kind === "production" ? (domainsByApp.get(entry.appId) ?? []) : [];
    const hosts = own ? [own, ...domains] : domains;
    for (const host of new Set(hosts.map((h) => h.toLowerCase()))) {
      (host === own ? generated : custom).push({
        kind: "upstreams",
        id: `deploy:${entry.environmentId}:${host}`,
        host,
        pathPrefix: "/",
        stripPrefix: false,
        upstreams: entry.upstreams.map((u) => `http://${u}`),
        appId: entry.appId,
        redirectHttps: false,
        ...(entry.sleeping ? { sleeping: true as const } : {}),
        ...(entry.upstreamProtocol === "h2c" ? { upstreamProtocol: "h2c" as const } : {}),
      });
    }
  }
  return [...generated, ...custom];
}

/**
 * The conflicts of a publish that left out one of this environment's generated hosts: the deploy
 * switching to it must fail. A custom domain left out is only logged (by the route registry): the
 * app still answers at its own address, and the domain was refused when it was added.
 */
export function lostOwnRoutes(
  conflicts: RouteConflict[],
  environmentId: string,
  customDomains: string[],
): RouteConflict[] {
  const prefix = `deploy:${environmentId}:`;
  const domains = new Set(customDomains.map((d) => d.toLowerCase()));
  return conflicts.filter((c) => c.dropped.id.startsWith(prefix) && !domains.has(c.host));
}
