/** Env knobs until they move into ServeConfig. The minimum below 10 s exists for tests only. */
export function uptimeSettingsFromEnv(env = process.env) {
  const min = Number(env.PIER_UPTIME_MIN_INTERVAL_SECONDS ?? 10);
  return {
    minIntervalSeconds: Number.isInteger(min) && min >= 1 ? min : 10,
    appMonitors: !/^(0|false|off|no)$/i.test(env.PIER_UPTIME_APP_MONITORS ?? "on"),
  };
}
