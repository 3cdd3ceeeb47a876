import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "@pier/core";
import { MAX_FUTURE_SKEW_MS } from "@pier/otlp";
import { createTracesService } from "./service.ts";
import type { SpanRecord } from "./span.ts";
import { admitSpanTimes } from "./span-time.ts";

const nowUs = Date.UTC(2026, 0, 1) * 1000;
const dayUs = 86_400_000_000;
function span(startUs: number, durationUs = 1000): SpanRecord {
  return {
    traceId: "a".repeat(32),
    spanId: "1".repeat(16),
    parentSpanId: null,
    name: "GET /x",
    kind: "server",
    service: "api",
    route: "GET /x",
    status: "unset",
    statusMessage: null,
    startUs,
    durationUs,
    entry: true,
    attributes: {},
    events: [{ name: "e", timeUs: startUs + 10, attributes: {} }],
    source: "otlp",
  };
}

test("spans far ahead move to the time received with their duration and events; too old ones are refused", () => {
  const far = Date.UTC(2100, 0, 1) * 1000;
  const { spans, rejected } = admitSpanTimes(
    [
      span(far, 5000),
      span(nowUs + MAX_FUTURE_SKEW_MS * 1000 - 1), // a clock a little ahead: kept as sent
      span(nowUs - dayUs, 60 * dayUs), // lasting longer than retention: cut to it
      span(nowUs - 8 * dayUs),
      span(0),
    ],
    nowUs,
    nowUs - 7 * dayUs,
  );
  expect(rejected).toBe(2);
  expect(spans.map((s) => [s.startUs, s.durationUs, s.events[0]!.timeUs - s.startUs])).toEqual([
    [nowUs, 5000, 10],
    [nowUs + MAX_FUTURE_SKEW_MS * 1000 - 1, 1000, 10],
    [nowUs - dayUs, 7 * dayUs, 10],
  ]);
});

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

test("OTLP export: a span of 2554 is stored at the time received, a span of 1970 is refused as a partial success", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "pier-traces-"));
  dirs.push(dataDir);
  const service = await createTracesService({
    dataDir,
    logger: silentLogger,
    retentionDays: 7,
    authorize: async () => ({ ok: true, projectId: 3, appId: "app_1", name: "shop" }),
  });
  const otlpSpan = (spanId: string, start: string, end: string) => ({
    traceId: "5b8efff798038103d269b633813fc60c",
    spanId,
    name: "GET /x",
    startTimeUnixNano: start,
    endTimeUnixNano: end,
  });
  const body = JSON.stringify({
    resourceSpans: [
      {
        scopeSpans: [
          {
            spans: [
              otlpSpan("eee19b7ec3c1b174", "18446744073709551615", "18446744073709551615"),
              otlpSpan("eee19b7ec3c1b175", "1000", "2000"),
            ],
          },
        ],
      },
    ],
  });
  const before = Date.now() * 1000;
  const res = await service.otlp(
    new Request("http://pier/v1/traces", {
      method: "POST",
      body,
      headers: { "content-type": "application/json", "x-pier-key": "0123456789abcdef0123456789abcdef" },
    }),
  );
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({
    partialSuccess: {
      rejectedSpans: "1",
      errorMessage: "spans that started before the traces' retention are not stored",
    },
  });
  const stored = await service.store.trace("5b8efff798038103d269b633813fc60c");
  expect(stored.map((s) => s.spanId)).toEqual(["eee19b7ec3c1b174"]);
  expect(stored[0]!.startUs).toBeGreaterThanOrEqual(before);
  expect(stored[0]!.startUs).toBeLessThanOrEqual(Date.now() * 1000);
  await service.stop();
});
