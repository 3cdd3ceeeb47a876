// A deployed app that traces its requests with nothing but pier's OTEL_* variables: it continues
// the caller's W3C traceparent, exports its spans as OTLP/JSON to OTEL_EXPORTER_OTLP_ENDPOINT with
// OTEL_EXPORTER_OTLP_HEADERS, and names itself OTEL_SERVICE_NAME. /checkout calls NEXT_HOST's
// /stock through pier's proxy. GATEWAY is how this container reaches the host's proxy port (the
// test's app hosts have no DNS): requests go there with the Host header of the URL they name.
const endpoint = new URL(process.env.OTEL_EXPORTER_OTLP_ENDPOINT!);
const gateway = process.env.GATEWAY!;
const [keyName, keyValue] = process.env.OTEL_EXPORTER_OTLP_HEADERS!.split("=") as [string, string];
const service = process.env.OTEL_SERVICE_NAME!;
const hex = (bytes: number) => Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("hex");
const nowNs = () => String(BigInt(Date.now()) * 1_000_000n);

type Span = Record<string, unknown>;
async function exportSpans(spans: Span[]): Promise<void> {
  const res = await fetch(`${gateway}${endpoint.pathname}/v1/traces`, {
    method: "POST",
    headers: { host: endpoint.host, "content-type": "application/json", [keyName]: keyValue },
    body: JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: service } }] },
          scopeSpans: [{ spans }],
        },
      ],
    }),
  });
  if (!res.ok) throw new Error(`export: ${res.status} ${await res.text()}`);
}

Bun.serve({
  port: Number(process.env.PORT),
  hostname: process.env.HOST,
  async fetch(req) {
    const url = new URL(req.url);
    if (url.pathname === "/health") return new Response("ok");
    const incoming = req.headers.get("traceparent");
    const parent = incoming ? /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/.exec(incoming) : null;
    const traceId = parent?.[1] ?? hex(16);
    const spanId = hex(8);
    const start = nowNs();
    const server = (attributes: Span[]) => ({
      traceId,
      spanId,
      ...(parent ? { parentSpanId: parent[2] } : {}),
      name: `GET ${url.pathname}`,
      kind: 2,
      startTimeUnixNano: start,
      endTimeUnixNano: nowNs(),
      attributes: [
        { key: "http.route", value: { stringValue: url.pathname } },
        { key: "http.request.method", value: { stringValue: "GET" } },
        ...attributes,
      ],
    });
    if (url.pathname === "/checkout") {
      const clientId = hex(8);
      const clientStart = nowNs();
      const sent = `00-${traceId}-${clientId}-01`;
      const answer = (await (
        await fetch(`${gateway}/stock`, { headers: { host: process.env.NEXT_HOST!, traceparent: sent } })
      ).json()) as { traceparent: string };
      const client = {
        traceId,
        spanId: clientId,
        parentSpanId: spanId,
        name: "GET stock",
        kind: 3,
        startTimeUnixNano: clientStart,
        endTimeUnixNano: nowNs(),
        attributes: [],
      };
      await exportSpans([server([]), client]);
      return Response.json({ traceId, clientSpanId: clientId, sent, received: answer.traceparent });
    }
    await exportSpans([server([])]);
    return Response.json({ traceparent: incoming });
  },
});
console.log("listening", service);
