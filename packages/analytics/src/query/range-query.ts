import { z } from "zod";
import { type Dimension, dimensions } from "./types.ts";

const instant = z.union([
  z
    .string()
    .regex(/^\d{10,14}$/)
    .transform(Number),
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
  z.iso.date().transform((s) => Date.parse(`${s}T00:00:00Z`)),
]);

export const periodNames = ["realtime", "day", "24h", "7d", "30d", "90d", "12mo"] as const;
export type PeriodName = (typeof periodNames)[number];

const filterValue = z.string().max(500, "at most 500 characters");
const filterParams = Object.fromEntries(dimensions.map((d) => [`filter.${d}`, filterValue.optional()])) as {
  [D in Dimension as `filter.${D}`]: z.ZodOptional<typeof filterValue>;
};

/**
 * The query string of the analytics views. `from`/`to` (ISO date, ISO datetime or epoch ms) or
 * `period` (ending now, default 30d); filters as `filter.<dimension>=value`, e.g.
 * `filter.country=DE&filter.page=/pricing`. Other keys pass through, so that an unknown
 * `filter.` key can be named in the error (`resolveRange`).
 */
export const rangeQuerySchema = z.looseObject({
  period: z.enum(periodNames).optional(),
  from: instant.optional(),
  to: instant.optional(),
  interval: z.enum(["hour", "day"]).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(20),
  ...filterParams,
});
export type RangeQuery = z.output<typeof rangeQuerySchema>;
