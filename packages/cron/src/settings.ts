/** Every default of the cron scheduler, in one place. Durations are milliseconds. */
export const cronDefaults = {
  /** How often due times are looked for (schedules have whole seconds at best). */
  tickMs: 1000,
  /** How often the jobs are read again from the live releases (also on every deploy). */
  syncMs: 60_000,
  /** Lease of the scheduler: only its holder runs schedules (see @pier/db holdLease). */
  leaseTtlMs: 15_000,
  /** First retry after a failed run; doubles with every attempt, up to 5 minutes. */
  retryBaseMs: 10_000,
  /** Runs of a job kept in its history. */
  historyPerJob: 100,
  /** Lines of output kept per run. */
  outputLines: 30,
  /** Most runs of one job waiting behind a running one (overlap = "queue"). */
  queueLimit: 10,
} as const;

export interface CronSettings {
  tickMs: number;
  retryBaseMs: number;
  /** PIER_CRON_SECONDS=1: schedules may have a seconds field (end-to-end tests). */
  seconds: boolean;
}

export function cronSettingsFromEnv(env: Record<string, string | undefined> = process.env): CronSettings {
  const retry = Number(env.PIER_CRON_RETRY_BASE_MS);
  return {
    tickMs: cronDefaults.tickMs,
    retryBaseMs: Number.isFinite(retry) && retry > 0 ? retry : cronDefaults.retryBaseMs,
    seconds: env.PIER_CRON_SECONDS === "1",
  };
}
