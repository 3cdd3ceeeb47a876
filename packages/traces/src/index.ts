export { tracesModule } from "./module.ts";
export { normalizeId, type SpanRecord } from "./span.ts";
