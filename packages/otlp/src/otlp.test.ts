import { describe, expect, test } from "bun:test";
import { ingestKeyOf } from "./endpoint.ts";
import { ProtobufError, ProtoReader } from "./protobuf-reader.ts";

describe("ingest key", () => {
  test("comes from X-Pier-Key or a Bearer authorization, never the URL", () => {
    const key = "0123456789abcdef0123456789abcdef";
    expect(ingestKeyOf(new Headers({ "x-pier-key": key.toUpperCase() }))).toBe(key);
    expect(ingestKeyOf(new Headers({ authorization: `Bearer ${key}` }))).toBe(key);
    expect(ingestKeyOf(new Headers({ authorization: `Basic ${key}` }))).toBeNull();
    expect(ingestKeyOf(new Headers())).toBeNull();
  });
});

describe("ProtoReader", () => {
  test("reads tags, varints, negative int64, fixed64, strings and nested messages; skips unknown fields", () => {
    const bytes = new Uint8Array([
      // field 1 varint 300
      0x08, 0xac, 0x02,
      // field 2 int64 -1 (ten bytes)
      0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
      // field 3 fixed64 5
      0x19, 5, 0, 0, 0, 0, 0, 0, 0,
      // field 4 message { field 1 string "hi" }
      0x22, 0x04, 0x0a, 0x02, 0x68, 0x69,
      // field 9 fixed32 (unknown here: skipped)
      0x4d, 1, 2, 3, 4,
    ]);
    const r = new ProtoReader(bytes);
    expect(r.tag()).toEqual({ field: 1, wire: 0 });
    expect(r.varint()).toBe(300);
    expect(r.tag()).toEqual({ field: 2, wire: 0 });
    expect(r.int64()).toBe(-1n);
    expect(r.tag()).toEqual({ field: 3, wire: 1 });
    expect(r.fixed64()).toBe(5n);
    expect(r.tag()).toEqual({ field: 4, wire: 2 });
    const inner = r.message();
    expect(inner.tag()).toEqual({ field: 1, wire: 2 });
    expect(inner.string()).toBe("hi");
    expect(inner.done()).toBe(true);
    r.skip(r.tag().wire);
    expect(r.done()).toBe(true);
  });

  test("a truncated or impossible message is a ProtobufError, not a crash or a read past its end", () => {
    const truncated = new ProtoReader(new Uint8Array([0x08, 0x80]));
    truncated.tag();
    expect(() => truncated.varint()).toThrow(ProtobufError);
    // A length longer than what is left.
    const long = new ProtoReader(new Uint8Array([0x0a, 0x10, 0x01]));
    long.tag();
    expect(() => long.message()).toThrow(ProtobufError);
    // Wire types 3 and 4 (groups) are not OTLP's.
    expect(() => new ProtoReader(new Uint8Array([])).skip(3)).toThrow(ProtobufError);
  });
});
