/** OTLP/HTTP's default logs path on the console, and under `/_pier/otlp/` on every app host. */
export const OTLP_LOGS_PATHS = new Set(["/v1/logs", "/_pier/otlp/v1/logs"]);
