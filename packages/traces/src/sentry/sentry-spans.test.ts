import { expect, test } from "bun:test";
import { spansFromSpanItem, spansFromTransaction } from "./sentry-spans.ts";

const owner = { projectId: 1, appId: "app_1", defaultService: "shop" };
const traceId = "a".repeat(32);

test("a transaction event becomes its root span and children, in microseconds", () => {
  const spans = spansFromTransaction(
    {
      type: "transaction",
      transaction: "GET /users/:id",
      start_timestamp: 1700000000.5,
      timestamp: 1700000000.75,
      release: "1.2.0",
      contexts: {
        trace: { trace_id: traceId, span_id: "b".repeat(16), op: "http.server", status: "internal_error" },
      },
      spans: [
        {
          span_id: "c".repeat(16),
          parent_span_id: "b".repeat(16),
          op: "db.query",
          description: "SELECT 1",
          start_timestamp: 1700000000.6,
          timestamp: 1700000000.65,
          data: { "db.system": "postgresql" },
        },
        { span_id: "not hex" },
      ],
    },
    owner,
  );
  expect(spans).toHaveLength(2);
  expect(spans[0]).toMatchObject({
    traceId,
    parentSpanId: null,
    route: "GET /users/:id",
    kind: "server",
    status: "error",
    startUs: 1700000000500000,
    durationUs: 250000,
    entry: true,
    service: "shop",
    attributes: { "sentry.op": "http.server", "service.version": "1.2.0" },
  });
  expect(spans[1]).toMatchObject({
    parentSpanId: "b".repeat(16),
    name: "SELECT 1",
    kind: "client",
    entry: false,
    durationUs: 50000,
    attributes: { "db.system": "postgresql", "sentry.op": "db.query" },
  });
});

test("streamed v2 span items keep typed attributes as plain values; bad spans are skipped", () => {
  const spans = spansFromSpanItem(
    {
      version: 2,
      items: [
        {
          trace_id: traceId,
          span_id: "d".repeat(16),
          name: "GET /cart",
          start_timestamp: 10,
          end_timestamp: 10.002,
          status: "ok",
          is_segment: true,
          attributes: {
            "sentry.op": { type: "string", value: "http.server" },
            n: { type: "integer", value: 3 },
          },
        },
        { trace_id: "short", span_id: "e".repeat(16), start_timestamp: 1, end_timestamp: 2 },
      ],
    },
    owner,
  );
  expect(spans).toHaveLength(1);
  expect(spans[0]).toMatchObject({
    kind: "server",
    status: "ok",
    entry: true,
    durationUs: 2000,
    attributes: { n: 3 },
  });
});

test("what is not a transaction gives no spans", () => {
  expect(spansFromTransaction({ message: "hi" }, owner)).toEqual([]);
  expect(spansFromSpanItem([], owner)).toEqual([]);
});
