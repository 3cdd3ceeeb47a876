import { ValidationError } from "@pier/core";
import { type PeriodName, type RangeQuery, rangeQuerySchema } from "./range-query.ts";
import { type AnalyticsQuery, dimensions, type Filters } from "./types.ts";

const DAY = 86_400_000;
const MAX_RANGE = 400 * DAY;

const periods: Record<PeriodName, number> = {
  realtime: 5 * 60_000,
  day: DAY,
  "24h": DAY,
  "7d": 7 * DAY,
  "30d": 30 * DAY,
  "90d": 90 * DAY,
  "12mo": 365 * DAY,
};

/** Query string -> query (`rangeQuerySchema` says what it may hold). */
export function parseQueryParams(site: string, params: Record<string, string>, now: number) {
  const parsed = rangeQuerySchema.safeParse(params);
  if (!parsed.success)
    throw new ValidationError(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
  return resolveRange(site, parsed.data, now);
}

/** A validated query string -> the range, buckets, row limit and filters of a query. */
export function resolveRange(site: string, params: RangeQuery, now: number) {
  const { period, from, to, interval, limit } = params;
  const end = to ?? now;
  const start = from ?? end - periods[period ?? "30d"];
  if (!(start < end)) throw new ValidationError("from must be before to");
  if (end - start > MAX_RANGE) throw new ValidationError("the range may span at most 400 days");
  const filters: Filters = {};
  for (const [key, value] of Object.entries(params)) {
    if (!key.startsWith("filter.")) continue;
    const dimension = key.slice(7);
    if (!(dimensions as readonly string[]).includes(dimension))
      throw new ValidationError(
        `unknown filter ${key}; use one of ${dimensions.map((d) => `filter.${d}`).join(", ")}`,
      );
    if (typeof value === "string") filters[dimension as keyof Filters] = value;
  }
  const query: AnalyticsQuery = { site, from: start, to: end, filters };
  return { query, interval: interval ?? (end - start <= 2 * DAY ? "hour" : "day"), limit } as const;
}
