/** OTLP/HTTP's default trace path on the console, and under `/_pier/otlp/` on every app host. */
export const OTLP_TRACES_PATHS = new Set(["/v1/traces", "/_pier/otlp/v1/traces"]);
