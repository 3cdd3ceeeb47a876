import { describe, expect, test } from "bun:test";
import { deflateSync } from "node:zlib";
import { IngestError } from "../ingest/errors.ts";
import { parseRecording, storedRecording } from "./recording.ts";
import { browserOfUserAgent, readReplayEvent } from "./replay-event.ts";
import { replayRowAfter } from "./replay-row.ts";

const encoder = new TextEncoder();
const events = [
  { type: 4, timestamp: 1_700_000_000_000, data: { href: "http://shop.test/", width: 800, height: 600 } },
  { type: 2, timestamp: 1_700_000_000_010, data: { node: { type: 0, childNodes: [] } } },
  { type: 3, timestamp: 1_700_000_004_500, data: { source: 2 } },
];
const item = (segmentId: number, body: Uint8Array | string) => {
  const head = encoder.encode(`${JSON.stringify({ segment_id: segmentId })}\n`);
  const rest = typeof body === "string" ? encoder.encode(body) : body;
  const out = new Uint8Array(head.length + rest.length);
  out.set(head);
  out.set(rest, head.length);
  return out;
};
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error instanceof IngestError ? `${error.status} ${error.code}` : String(error);
  }
  return "ok";
};

describe("replay_recording items", () => {
  test("zlib from the SDK's compression worker: kept compressed, times from the rrweb events", () => {
    const zlib = deflateSync(JSON.stringify(events));
    const parsed = parseRecording(item(3, zlib), 1 << 20);
    expect(parsed).toMatchObject({
      segmentId: 3,
      encoding: "zlib",
      startedAt: 1_700_000_000_000,
      endedAt: 1_700_000_004_500,
      events: 3,
    });
    expect(Buffer.from(parsed.body).equals(zlib)).toBe(true);
    expect(storedRecording("zlib", parsed.body)).toEqual(events);
  });

  test("Sentry's custom events in seconds count in ms", () => {
    const mixed = [...events, { type: 5, timestamp: 1_700_000_009.5, data: { tag: "breadcrumb" } }];
    const parsed = parseRecording(item(1, JSON.stringify(mixed)), 1 << 20);
    expect(parsed).toMatchObject({ startedAt: 1_700_000_000_000, endedAt: 1_700_000_009_500 });
    expect(storedRecording("zstd", Bun.zstdCompressSync(parsed.body)).at(-1)?.timestamp).toBe(
      1_700_000_009_500,
    );
  });

  test("plain JSON when the worker could not start", () => {
    const parsed = parseRecording(item(0, JSON.stringify(events)), 1 << 20);
    expect(parsed.encoding).toBe("plain");
    expect(storedRecording("zstd", Bun.zstdCompressSync(parsed.body))).toEqual(events);
    expect(parseRecording(item(0, "[]"), 100)).toMatchObject({ startedAt: null, events: 0 });
  });

  test("bad input is a clear 4xx, a zlib bomb is stopped at the limit", () => {
    expect(code(() => parseRecording(encoder.encode("no header line"), 1 << 20))).toBe(
      "400 malformed_payload",
    );
    expect(code(() => parseRecording(item(0, "{}"), 1 << 20))).toBe("400 malformed_payload");
    expect(code(() => parseRecording(item(0, '[{"type":"x"}]'), 1 << 20))).toBe("400 malformed_payload");
    expect(code(() => parseRecording(encoder.encode('{"segment_id":"a"}\n[]'), 1 << 20))).toBe(
      "400 malformed_payload",
    );
    expect(code(() => parseRecording(item(0, new Uint8Array([0x78, 0x9c, 1, 2, 3])), 1 << 20))).toBe(
      "400 malformed_payload",
    );
    const bomb = deflateSync(`[${'{"type":3,"timestamp":1},'.repeat(100_000)}{"type":3,"timestamp":1}]`);
    expect(bomb.length).toBeLessThan(100_000);
    expect(code(() => parseRecording(item(0, bomb), 1 << 20))).toBe("413 payload_too_large");
  });
});

describe("replay_event items", () => {
  const ua =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
  test("the row's facts: ids normalized, seconds to ms, user and browser", () => {
    const facts = readReplayEvent(
      {
        type: "replay_event",
        replay_id: "0123456789ABCDEF0123456789abcdef",
        segment_id: 0,
        replay_type: "buffer",
        timestamp: 1_700_000_005.25,
        replay_start_timestamp: 1_700_000_000,
        urls: ["http://shop.test/", "http://shop.test/", 7],
        error_ids: ["aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"],
        trace_ids: "not a list",
        release: "1.2.3",
        environment: "production",
        user: { email: "ann@shop.test" },
        request: { headers: { "User-Agent": ua } },
      },
      undefined,
    );
    expect(facts).toMatchObject({
      replayId: "0123456789abcdef0123456789abcdef",
      segmentId: 0,
      replayType: "buffer",
      startedAt: 1_700_000_000_000,
      timestamp: 1_700_000_005_250,
      urls: ["http://shop.test/"],
      errorIds: ["a".repeat(32)],
      traceIds: [],
      release: "1.2.3",
      userLabel: "ann@shop.test",
      browser: "Chrome 131",
      os: "Linux",
    });
    expect(readReplayEvent({ replay_id: "nope" }, "f".repeat(32)).replayId).toBe("f".repeat(32));
    expect(code(() => readReplayEvent({ replay_id: "nope" }, undefined))).toBe("400 malformed_payload");
    expect(code(() => readReplayEvent([], undefined))).toBe("400 malformed_payload");
  });

  test("browsers from their User-Agent", () => {
    expect(
      browserOfUserAgent(
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
      ),
    ).toEqual({ browser: "Safari 17", os: "iOS" });
    expect(
      browserOfUserAgent("Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0"),
    ).toEqual({
      browser: "Firefox 128",
      os: "Windows",
    });
  });

  test("a replay row widens with each segment and keeps its first type", () => {
    const facts = readReplayEvent(
      { replay_id: "a".repeat(32), replay_type: "buffer", urls: ["/a"], error_ids: ["b".repeat(32)] },
      undefined,
    );
    const segment = (startedAt: number, endedAt: number) => ({
      segmentId: 0,
      encoding: "zlib" as const,
      payload: new Uint8Array(10),
      startedAt,
      endedAt,
    });
    const first = replayRowAfter(null, 1, facts, segment(1000, 2000), 5000);
    const second = replayRowAfter(
      first,
      1,
      { ...facts, replayType: "session", urls: ["/b"], errorIds: [] },
      segment(500, 9000),
      9500,
    );
    expect(second).toMatchObject({
      replayType: "buffer",
      segments: 2,
      bytes: 20,
      urls: ["/a", "/b"],
      errorIds: ["b".repeat(32)],
    });
    expect(second.startedAt.getTime()).toBe(500);
    expect(second.endedAt.getTime()).toBe(9000);
    expect(second.lastReceivedAt.getTime()).toBe(9500);
  });
});
