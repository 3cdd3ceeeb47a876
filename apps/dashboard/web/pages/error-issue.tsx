import { lazyPage } from "../lazy-page.tsx";

export const ErrorIssuePage = lazyPage<{ id: string }>(
  () => import("./errors/issue-page.tsx").then((m) => m.ErrorIssuePage),
  "issue",
);
