import { lazyPage } from "../lazy-page.tsx";

// The Traces tab of an app, fetched when it is opened (pages/traces/).
export const TracesTab = lazyPage<{ app: string }>(
  () => import("./traces/traces-tab.tsx").then((m) => m.TracesTab),
  "traces",
);
