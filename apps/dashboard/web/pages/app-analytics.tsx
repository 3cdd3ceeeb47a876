import { lazyPage } from "../lazy-page.tsx";

// The Analytics tab of an app, fetched when it is opened (pages/analytics/, with uPlot).
export const AnalyticsTab = lazyPage<{ app: string }>(
  () => import("./analytics/analytics-tab.tsx").then((m) => m.AnalyticsTab),
  "analytics",
);
