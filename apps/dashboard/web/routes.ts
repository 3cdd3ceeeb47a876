/** Dashboard pages. Shared by the browser router and the server, which answers these paths with index.html. */
export type Route =
  | { page: "apps" }
  | { page: "new-app" }
  | { page: "app"; name: string; tab: AppTab }
  | { page: "settings"; tab?: SettingsTab }
  | { page: "ai" }
  | { page: "uptime" }
  | { page: "uptime-monitor"; id: string }
  | { page: "services" }
  | { page: "service"; name: string }
  | { page: "nodes" }
  | { page: "errors" }
  | { page: "error-issue"; id: string }
  | { page: "error-replay"; projectId: string; replayId: string }
  | { page: "trace"; id: string }
  | { page: "login" }
  | { page: "setup" };

export const appTabs = [
  "deployments",
  "env",
  "domains",
  "previews",
  "cron",
  "logs",
  "metrics",
  "traces",
  "analytics",
  "settings",
] as const;
export type AppTab = (typeof appTabs)[number];

export const settingsTabs = [
  "general",
  "users",
  "tokens",
  "certificates",
  "notifications",
  "routes",
  "backups",
] as const;
export type SettingsTab = (typeof settingsTabs)[number];

/** Settings sections whose every call needs an admin: hidden from members (and from their palette). */
export const adminSettingsTabs: readonly SettingsTab[] = ["users", "tokens", "backups"];

/** The settings sections `admin` (or a member) sees, in order. */
export function visibleSettingsTabs(admin: boolean): SettingsTab[] {
  return settingsTabs.filter((tab) => admin || !adminSettingsTabs.includes(tab));
}

/**
 * The sections of the main navigation, in its order: each owns the pages listed (the link is
 * marked current on them). The command palette offers the same list.
 */
export const navSections: { label: string; href: string; pages: Route["page"][] }[] = [
  { label: "Apps", href: "/", pages: ["apps", "app", "new-app", "trace"] },
  { label: "Services", href: "/services", pages: ["services", "service"] },
  { label: "Nodes", href: "/nodes", pages: ["nodes"] },
  { label: "AI", href: "/ai", pages: ["ai"] },
  { label: "Uptime", href: "/uptime", pages: ["uptime", "uptime-monitor"] },
  { label: "Errors", href: "/errors", pages: ["errors", "error-issue", "error-replay"] },
  { label: "Settings", href: "/settings", pages: ["settings"] },
];

const appNamePattern = /^[a-z](?:[a-z0-9-]*[a-z0-9])?$/;

export function parseRoute(pathname: string, search = ""): Route | null {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, "") : pathname;
  switch (path) {
    case "/":
    case "/apps":
      return { page: "apps" };
    case "/new":
      return { page: "new-app" };
    case "/settings": {
      const tab = new URLSearchParams(search).get("tab");
      const known = settingsTabs.find((t) => t === tab);
      return known && known !== "general" ? { page: "settings", tab: known } : { page: "settings" };
    }
    case "/ai":
      return { page: "ai" };
    case "/uptime":
      return { page: "uptime" };
    case "/services":
      return { page: "services" };
    case "/nodes":
      return { page: "nodes" };
    case "/errors":
      return { page: "errors" };
    case "/login":
      return { page: "login" };
    case "/setup":
      return { page: "setup" };
  }
  const service = /^\/services\/([^/]+)$/.exec(path);
  if (service && appNamePattern.test(service[1]!)) return { page: "service", name: service[1]! };
  const monitor = /^\/uptime\/monitors\/([A-Za-z0-9_-]+)$/.exec(path);
  if (monitor) return { page: "uptime-monitor", id: monitor[1]! };
  const issue = /^\/errors\/issues\/(iss_[a-z0-9]+)$/.exec(path);
  if (issue) return { page: "error-issue", id: issue[1]! };
  const replay = /^\/errors\/projects\/(\d+)\/replays\/([0-9a-f]{32})$/.exec(path);
  if (replay) return { page: "error-replay", projectId: replay[1]!, replayId: replay[2]! };
  const trace = /^\/traces\/([0-9a-f]{32})$/.exec(path);
  if (trace) return { page: "trace", id: trace[1]! };
  const match = /^\/apps\/([^/]+)$/.exec(path);
  if (match && appNamePattern.test(match[1]!)) {
    const tab = new URLSearchParams(search).get("tab");
    return { page: "app", name: match[1]!, tab: appTabs.find((t) => t === tab) ?? "deployments" };
  }
  return null;
}

export function routeHref(route: Route): string {
  switch (route.page) {
    case "apps":
      return "/";
    case "new-app":
      return "/new";
    case "app":
      return route.tab === "deployments" ? `/apps/${route.name}` : `/apps/${route.name}?tab=${route.tab}`;
    case "error-issue":
      return `/errors/issues/${route.id}`;
    case "error-replay":
      return `/errors/projects/${route.projectId}/replays/${route.replayId}`;
    case "trace":
      return `/traces/${route.id}`;
    case "service":
      return `/services/${route.name}`;
    case "uptime-monitor":
      return `/uptime/monitors/${route.id}`;
    case "settings":
      return route.tab && route.tab !== "general" ? `/settings?tab=${route.tab}` : "/settings";
    default:
      return `/${route.page}`;
  }
}
