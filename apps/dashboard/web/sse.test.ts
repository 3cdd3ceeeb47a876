import { describe, expect, test } from "bun:test";
import { createSseParser, type ServerEvent } from "./sse.ts";

describe("SSE parser", () => {
  test("events split across chunks, multi-line data, comments and CRLF", () => {
    const events: ServerEvent[] = [];
    const parse = createSseParser((e) => events.push(e));
    parse(": keep-alive\n\nevent: li");
    parse("ne\ndata: step 1/3\r\n\r\ndata: a\ndata: b\n");
    expect(events).toEqual([{ event: "line", data: "step 1/3" }]);
    parse('\nevent: status\ndata: {"status":"live"}\n\n');
    expect(events.slice(1)).toEqual([
      { event: "message", data: "a\nb" },
      { event: "status", data: '{"status":"live"}' },
    ]);
  });
});
