// Sends one trace to pier with the real OpenTelemetry Node SDK and OTLP exporter, then prints its
// ids. argv: "proto" | "json", the traces endpoint URL, the ingest key.
import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { OTLPTraceExporter as JsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtoExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { NodeSDK } from "@opentelemetry/sdk-node";

const [encoding, url, key] = process.argv.slice(2) as [string, string, string];
const options = { url, headers: { "x-pier-key": key }, compression: "gzip" as never };
const sdk = new NodeSDK({
  serviceName: `shop-${encoding}`,
  traceExporter: encoding === "proto" ? new ProtoExporter(options) : new JsonExporter(options),
  resourceDetectors: [],
  instrumentations: [],
});
sdk.start();

const tracer = trace.getTracer("pier-e2e");
const ids = await tracer.startActiveSpan(
  "GET /orders/:id",
  {
    kind: SpanKind.SERVER,
    attributes: {
      "http.route": "/orders/:id",
      "http.request.method": "GET",
      "http.response.status_code": 200,
    },
  },
  async (root) => {
    const child = await tracer.startActiveSpan(
      "SELECT orders",
      { kind: SpanKind.CLIENT, attributes: { "db.system": "postgresql", "db.rows": 3, "db.cached": false } },
      async (span) => {
        await Bun.sleep(40);
        span.addEvent("cache miss", { "cache.key": "order:42" });
        span.end();
        return span.spanContext().spanId;
      },
    );
    const failed = tracer.startSpan("render");
    failed.setStatus({ code: SpanStatusCode.ERROR, message: "template failed" });
    failed.end();
    root.end();
    return { traceId: root.spanContext().traceId, rootSpanId: root.spanContext().spanId, childSpanId: child };
  },
);
await sdk.shutdown();
console.log(JSON.stringify(ids));
