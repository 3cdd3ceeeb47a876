import { expect, test } from "bun:test";
import { traceOfEvent } from "./event-trace.ts";

const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

test("finds contexts.trace's ids wherever the key sits, and nothing when absent or invalid", () => {
  const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
  expect(
    traceOfEvent(
      bytes({
        exception: { values: [{ type: "E" }] },
        extra: { trace: "not an object" },
        contexts: {
          os: { name: "linux" },
          trace: { span_id: "00f067aa0ba902b7", op: "http", trace_id: traceId },
        },
      }),
    ),
  ).toEqual({ traceId, spanId: "00f067aa0ba902b7" });
  expect(traceOfEvent(bytes({ contexts: { trace: { trace_id: traceId } } }))).toEqual({
    traceId,
    spanId: null,
  });
  expect(traceOfEvent(bytes({ message: "no trace" }))).toBeNull();
  expect(traceOfEvent(bytes({ contexts: { trace: { trace_id: "0".repeat(32) } } }))).toBeNull();
});
