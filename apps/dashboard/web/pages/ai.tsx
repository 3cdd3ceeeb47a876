import { lazyPage } from "../lazy-page.tsx";

// The AI gateway page, fetched when opened (pages/ai/, with uPlot).
export const AiPage = lazyPage<object>(() => import("./ai/ai-page.tsx").then((m) => m.AiPage), "AI gateway");
