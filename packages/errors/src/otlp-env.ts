/**
 * OpenTelemetry's standard variables for a deployed app, beside its Sentry ones: the same host and
 * the same project key, so an OTel SDK in the app exports traces (and logs) to pier with no code.
 * The endpoint is the DSN's base with `/otlp` under `/_pier` (exporters append `/v1/traces`); a DSN
 * through the console gives the console itself (`/v1/traces` there).
 */
export function otlpEnv(dsn: string, publicKey: string, service: string): Record<string, string> {
  const url = new URL(dsn);
  const base = url.pathname.replace(/\/\d+\/?$/, "");
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: `${url.protocol}//${url.host}${base === "" ? "" : `${base}/otlp`}`,
    OTEL_EXPORTER_OTLP_HEADERS: `x-pier-key=${publicKey}`,
    OTEL_SERVICE_NAME: service,
  };
}
