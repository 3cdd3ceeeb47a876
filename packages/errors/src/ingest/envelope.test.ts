import { describe, expect, test } from "bun:test";
import { parseEnvelope, parseItemJson } from "./envelope.ts";
import { MalformedPayloadError } from "./errors.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("parseEnvelope", () => {
  test("items with and without length, multi-byte payloads counted in bytes", () => {
    const event = JSON.stringify({ message: "héllo ünïcode" });
    const env = bytes(
      `{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","dsn":"https://k@h/1"}\n` +
        `{"type":"event","length":${bytes(event).length}}\n${event}\n` +
        `{"type":"client_report"}\n{"discarded_events":[]}\n` +
        `{"type":"attachment","length":3}\na\nb\n`,
    );
    const parsed = parseEnvelope(env);
    expect(parsed.header.event_id).toBe("9ec79c33ec9942ab8353589fcb2e04dc");
    expect(parsed.items.map((i) => i.type)).toEqual(["event", "client_report", "attachment"]);
    expect(parseItemJson(parsed.items[0]!)).toEqual({ message: "héllo ünïcode" });
    expect(new TextDecoder().decode(parsed.items[2]!.payload)).toBe("a\nb");
  });

  test("a trailing item without payload and no final newline", () => {
    const parsed = parseEnvelope(bytes(`{}\n{"type":"event"}\n{"a":1}`));
    expect(parseItemJson(parsed.items[0]!)).toEqual({ a: 1 });
  });

  test("malformed input is a MalformedPayloadError with a useful message", () => {
    expect(() => parseEnvelope(bytes("not json\n"))).toThrow(MalformedPayloadError);
    expect(() => parseEnvelope(bytes('[1]\n{"type":"event"}\n{}'))).toThrow(/header must be a JSON object/);
    expect(() => parseEnvelope(bytes('{}\n{"length":2}\n{}'))).toThrow(/needs a "type"/);
    expect(() => parseEnvelope(bytes('{}\n{"type":"event","length":99}\n{}'))).toThrow(/ends early/);
    expect(() => parseItemJson(parseEnvelope(bytes('{}\n{"type":"event"}\n{broken')).items[0]!)).toThrow(
      /"event" item is not valid JSON/,
    );
  });
});
