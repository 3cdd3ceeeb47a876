import { ValidationError } from "@pier/core";
import { z } from "zod";
import { type AnalyticsQuery, dimensions, type Filters } from "./types.ts";

const DAY = 86_400_000;
const MAX_RANGE = 400 * DAY;

const instant = z.union([
  z
    .string()
    .regex(/^\d{10,14}$/)
    .transform(Number),
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
  z.iso.date().transform((s) => Date.parse(`${s}T00:00:00Z`)),
]);

export const rangeParamsSchema = z.object({
  period: z.enum(["realtime", "day", "24h", "7d", "30d", "90d", "12mo"]).optional(),
  from: instant.optional(),
  to: instant.optional(),
  interval: z.enum(["hour", "day"]).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(20),
});

const periods: Record<NonNullable<z.infer<typeof rangeParamsSchema>["period"]>, number> = {
  realtime: 5 * 60_000,
  day: DAY,
  "24h": DAY,
  "7d": 7 * DAY,
  "30d": 30 * DAY,
  "90d": 90 * DAY,
  "12mo": 365 * DAY,
};

/**
 * Query string -> query. `from`/`to` (ISO date, ISO datetime or epoch ms) or `period` (ending now,
 * default 30d); filters as `filter.<dimension>=value`, e.g. `filter.country=DE&filter.page=/pricing`.
 */
export function parseQueryParams(site: string, params: Record<string, string>, now: number) {
  const parsed = rangeParamsSchema.safeParse(params);
  if (!parsed.success)
    throw new ValidationError(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
  const { period, from, to, interval, limit } = parsed.data;
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
    if (value.length > 500) throw new ValidationError(`${key} is longer than 500 characters`);
    filters[dimension as keyof Filters] = value;
  }
  const query: AnalyticsQuery = { site, from: start, to: end, filters };
  return { query, interval: interval ?? (end - start <= 2 * DAY ? "hour" : "day"), limit } as const;
}
