import { z } from "zod";

/**
 * A `[[cron]]` job as the release stored it (deployments.meta.config.cron, durations already in
 * milliseconds). Read back through this schema: the deploy engine writes it, but the JSON is not
 * trusted without a check.
 */
export const cronJobSchema = z.object({
  name: z.string().min(1).max(63),
  schedule: z.string().min(1),
  timezone: z.string().default("UTC"),
  command: z.union([z.string(), z.array(z.string())]).optional(),
  path: z.string().startsWith("/").optional(),
  overlap: z.enum(["skip", "queue"]).default("skip"),
  timeout: z
    .number()
    .int()
    .positive()
    .default(60 * 60_000),
  retries: z.number().int().min(0).max(10).default(0),
  catch_up: z.boolean().default(false),
});
export type CronJob = z.infer<typeof cronJobSchema>;

/** The jobs of a release's config; malformed entries are left out (and reported by the caller). */
export function jobsOfRelease(meta: Record<string, unknown>): { jobs: CronJob[]; invalid: number } {
  const raw = (meta.config as { cron?: unknown } | undefined)?.cron;
  if (!Array.isArray(raw)) return { jobs: [], invalid: 0 };
  const jobs: CronJob[] = [];
  let invalid = 0;
  for (const entry of raw) {
    const parsed = cronJobSchema.safeParse(entry);
    if (parsed.success) jobs.push(parsed.data);
    else invalid++;
  }
  return { jobs, invalid };
}

export type RunTrigger = "schedule" | "catch_up" | "manual" | "retry";
export type RunStatus = "running" | "succeeded" | "failed" | "timed_out" | "skipped" | "interrupted";
