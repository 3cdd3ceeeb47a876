import { lazyPage } from "../lazy-page.tsx";

// Uptime: the list page and a page per monitor, fetched when opened (pages/uptime/, with uPlot).
export const UptimePage = lazyPage<object>(
  () => import("./uptime/uptime-page.tsx").then((m) => m.UptimePage),
  "uptime",
);
export const UptimeMonitorPage = lazyPage<{ id: string }>(
  () => import("./uptime/monitor-page.tsx").then((m) => m.MonitorPage),
  "monitor",
);
