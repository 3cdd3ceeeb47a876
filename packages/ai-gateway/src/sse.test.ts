import { expect, test } from "bun:test";
import { SseParser } from "./sse.ts";

test("events split across chunks come out whole, in order", () => {
  const parser = new SseParser();
  expect(parser.push('data: {"a"')).toEqual([]);
  const events = parser.push(":1}\n\nevent: ping\ndata: {}\n\ndata: [DO");
  expect(events.map((e) => [e.event, e.data])).toEqual([
    [undefined, '{"a":1}'],
    ["ping", "{}"],
  ]);
  expect(events[0]!.raw).toBe('data: {"a":1}\n\n');
  expect(parser.push("NE]\r\n\r\n").map((e) => e.data)).toEqual(["[DONE]"]);
});

test("multi-line data, comments and a tail without a blank line", () => {
  const parser = new SseParser();
  expect(parser.push(": keep-alive\n\ndata: a\ndata: b\n\n").map((e) => e.data)).toEqual(["a\nb"]);
  parser.push("data: tail");
  expect(parser.flush().map((e) => e.data)).toEqual(["tail"]);
});

test("multi-byte characters split between chunks survive", () => {
  const parser = new SseParser();
  const bytes = new TextEncoder().encode('data: "héllo"\n\n');
  expect(parser.push(bytes.slice(0, 9))).toEqual([]);
  expect(parser.push(bytes.slice(9))[0]!.data).toBe('"héllo"');
});
