import { lazyPage } from "../lazy-page.tsx";

// Error tracking: the issue list and a page per issue, fetched when opened (pages/errors/).
export const ErrorsPage = lazyPage<object>(
  () => import("./errors/issues-page.tsx").then((m) => m.ErrorsPage),
  "errors",
);
