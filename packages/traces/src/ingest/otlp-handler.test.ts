import { expect, test } from "bun:test";
import { gzipSync } from "node:zlib";
import type { IngestGrant } from "@pier/platform";
import type { SpanOwner, SpanRecord } from "../span.ts";
import { createOtlpTraceHandler } from "./otlp-handler.ts";

const key = "0123456789abcdef0123456789abcdef";
function handler(grant: IngestGrant, limits = { maxBodyBytes: 1024, maxDecodedBytes: 4096 }) {
  const stored: { spans: SpanRecord[]; owner: SpanOwner }[] = [];
  const handle = createOtlpTraceHandler({
    authorize: async () => grant,
    store: async (spans, owner) => {
      stored.push({ spans, owner });
      return 0;
    },
    limits,
  });
  return { handle, stored };
}
const ok: IngestGrant = { ok: true, projectId: 3, appId: "app_1", name: "shop" };
const post = (body: BodyInit, headers: Record<string, string>) =>
  new Request("http://pier/v1/traces", { method: "POST", body, headers: { "x-pier-key": key, ...headers } });
const span = {
  traceId: "5b8efff798038103d269b633813fc60c",
  spanId: "eee19b7ec3c1b174",
  name: "GET /x",
  startTimeUnixNano: "1000",
  endTimeUnixNano: "2000",
};
const request = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] });

test("stores spans under the project's owner and answers an empty response in the request's encoding", async () => {
  const { handle, stored } = handler(ok);
  const res = await handle(
    post(new Uint8Array(gzipSync(request)), {
      "content-type": "application/json",
      "content-encoding": "gzip",
    }),
  );
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({});
  expect(stored[0]!.owner).toEqual({ projectId: 3, appId: "app_1", defaultService: "shop" });
  expect(stored[0]!.spans[0]!.service).toBe("shop");
  const proto = await handle(post(new Uint8Array(0), { "content-type": "application/x-protobuf" }));
  expect(proto.status).toBe(200);
  expect(proto.headers.get("content-type")).toBe("application/x-protobuf");
  expect((await proto.arrayBuffer()).byteLength).toBe(0);
});

test("refusals: 429 with Retry-After, 401, 413 on the wire and after gzip, 415, 405, CORS preflight", async () => {
  const limited = await handler({ ok: false, reason: "rate_limited", retryAfterSeconds: 7 }).handle(
    post(request, { "content-type": "application/json" }),
  );
  expect(limited.status).toBe(429);
  expect(limited.headers.get("retry-after")).toBe("7");
  expect(((await limited.json()) as { code: number }).code).toBe(8); // RESOURCE_EXHAUSTED
  const denied = await handler({ ok: false, reason: "invalid_key" }).handle(
    post(request, { "content-type": "application/x-protobuf" }),
  );
  expect(denied.status).toBe(401);
  // A google.rpc.Status in protobuf: code 16 (UNAUTHENTICATED), then the message.
  expect([...new Uint8Array(await denied.arrayBuffer()).slice(0, 3)]).toEqual([0x08, 16, 0x12]);
  const { handle } = handler(ok);
  const big = await handle(post(new Uint8Array(2048), { "content-type": "application/x-protobuf" }));
  expect(big.status).toBe(413);
  const bomb = await handle(
    post(new Uint8Array(gzipSync(new Uint8Array(100_000))), {
      "content-type": "application/x-protobuf",
      "content-encoding": "gzip",
    }),
  );
  expect(bomb.status).toBe(413);
  expect((await handle(post(request, { "content-type": "text/plain" }))).status).toBe(415);
  expect(
    (await handle(post(request, { "content-type": "application/json", "content-encoding": "br" }))).status,
  ).toBe(415);
  expect((await handle(new Request("http://pier/v1/traces"))).status).toBe(405);
  const preflight = await handle(new Request("http://pier/v1/traces", { method: "OPTIONS" }));
  expect(preflight.status).toBe(204);
  expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
});
