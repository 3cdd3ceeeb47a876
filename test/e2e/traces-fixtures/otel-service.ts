// A small HTTP service traced with the OpenTelemetry SDK: continues the caller's trace from its
// `traceparent` (W3C), records a server span, and answers with the traceparent it received.
// env: SERVICE, OTLP_URL, PIER_KEY; argv: "serve" (prints its port) or "call URL HOST" (a client).
import { context, propagation, SpanKind, trace } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { NodeSDK } from "@opentelemetry/sdk-node";

const sdk = new NodeSDK({
  serviceName: process.env.SERVICE,
  traceExporter: new OTLPTraceExporter({
    url: process.env.OTLP_URL,
    headers: { "x-pier-key": process.env.PIER_KEY! },
  }),
  resourceDetectors: [],
  instrumentations: [],
});
sdk.start();
const tracer = trace.getTracer("pier-e2e");
const [mode, target, host] = process.argv.slice(2);

if (mode === "serve") {
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      const carrier = Object.fromEntries(request.headers);
      const parent = propagation.extract(context.active(), carrier);
      const span = tracer.startSpan(
        "GET /stock",
        { kind: SpanKind.SERVER, attributes: { "http.route": "/stock", "http.request.method": "GET" } },
        parent,
      );
      span.end();
      return Response.json({ traceparent: request.headers.get("traceparent") });
    },
  });
  console.log(JSON.stringify({ port: server.port }));
  process.on("SIGTERM", async () => {
    await sdk.shutdown();
    process.exit(0);
  });
} else {
  const out = await tracer.startActiveSpan("checkout", { kind: SpanKind.SERVER }, async (root) => {
    const result = await tracer.startActiveSpan("GET stock", { kind: SpanKind.CLIENT }, async (client) => {
      const headers: Record<string, string> = { host: host! };
      propagation.inject(context.active(), headers);
      const answer = (await (await fetch(target!, { headers })).json()) as { traceparent: string };
      client.end();
      return {
        sent: headers.traceparent,
        received: answer.traceparent,
        clientSpanId: client.spanContext().spanId,
      };
    });
    root.end();
    return { ...result, traceId: root.spanContext().traceId };
  });
  await sdk.shutdown();
  console.log(JSON.stringify(out));
}
