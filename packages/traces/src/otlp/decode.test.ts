import { expect, test } from "bun:test";
import { MalformedTraceError } from "../ingest/errors.ts";
import { decodeTraceRequestJson } from "./decode-json.ts";
import { decodeTraceRequestProto } from "./decode-proto.ts";

const owner = { projectId: 1, appId: null, defaultService: "fallback" };

/** A minimal protobuf writer for the test: tags, varints, fixed64 and nested messages. */
const varint = (n: number): number[] => {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
};
const bytesField = (field: number, bytes: number[]) => [
  ...varint(field * 8 + 2),
  ...varint(bytes.length),
  ...bytes,
];
const stringField = (field: number, text: string) => bytesField(field, [...new TextEncoder().encode(text)]);
const fixed64 = (field: number, value: bigint) => {
  const buffer = Buffer.alloc(8);
  buffer.writeBigUInt64LE(value);
  return [...varint(field * 8 + 1), ...buffer];
};
const hex = (text: string) => [...Buffer.from(text, "hex")];
const keyValue = (key: string, any: number[]) =>
  bytesField(9, [...stringField(1, key), ...bytesField(2, any)]);

test("protobuf: ids, kind, times, attributes of every type, status, unknown fields skipped", () => {
  const span = [
    ...bytesField(1, hex("0af7651916cd43dd8448eb211c80319c")),
    ...bytesField(2, hex("b7ad6b7169203331")),
    ...bytesField(4, hex("00f067aa0ba902b7")),
    ...stringField(5, "GET /items/:id"),
    ...varint(6 * 8),
    ...varint(2),
    ...fixed64(7, 1_700_000_000_000_000_000n),
    ...fixed64(8, 1_700_000_000_250_000_000n),
    ...keyValue("http.route", stringField(1, "/items/:id")),
    ...keyValue("n", [...varint(3 * 8), ...varint(42)]),
    ...keyValue("ok", [...varint(2 * 8), 1]),
    ...keyValue("list", bytesField(5, bytesField(1, stringField(1, "a")))),
    ...stringField(99, "a field from the future"),
    ...bytesField(15, [...stringField(2, "boom"), ...varint(3 * 8), 2]),
  ];
  const resource = bytesField(
    1,
    bytesField(1, [...stringField(1, "service.name"), ...bytesField(2, stringField(1, "api"))]),
  );
  const request = bytesField(1, [...bytesField(2, bytesField(2, span)), ...resource]);
  const [decoded] = decodeTraceRequestProto(new Uint8Array(request), owner);
  expect(decoded).toMatchObject({
    traceId: "0af7651916cd43dd8448eb211c80319c",
    spanId: "b7ad6b7169203331",
    parentSpanId: "00f067aa0ba902b7",
    service: "api",
    kind: "server",
    route: "/items/:id",
    startUs: 1_700_000_000_000_000,
    durationUs: 250_000,
    status: "error",
    statusMessage: "boom",
    // A server span whose exporter does not say whether its parent is remote: taken as an entry.
    entry: true,
    attributes: { "http.route": "/items/:id", n: 42, ok: true, list: ["a"] },
  });
});

test("protobuf: a truncated message is a MalformedTraceError, not a crash", () => {
  expect(() => decodeTraceRequestProto(new Uint8Array([0x0a, 0x10, 0x01]), owner)).toThrow(
    MalformedTraceError,
  );
});

test("JSON: base64 ids, string int64, missing service falls back to the project's", () => {
  const body = {
    resourceSpans: [
      {
        scopeSpans: [
          {
            spans: [
              {
                traceId: Buffer.from("0af7651916cd43dd8448eb211c80319c", "hex").toString("base64"),
                spanId: "b7ad6b7169203331",
                name: "work",
                startTimeUnixNano: "1000000",
                endTimeUnixNano: 3_000_000,
                attributes: [{ key: "n", value: { intValue: "7" } }],
              },
            ],
          },
        ],
      },
    ],
  };
  const [span] = decodeTraceRequestJson(new TextEncoder().encode(JSON.stringify(body)), owner);
  expect(span).toMatchObject({
    traceId: "0af7651916cd43dd8448eb211c80319c",
    service: "fallback",
    kind: "unspecified",
    durationUs: 2000,
    entry: true,
    attributes: { n: 7 },
  });
  const bad = new TextEncoder().encode(
    JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ spanId: 1 }] }] }] }),
  );
  expect(() => decodeTraceRequestJson(bad, owner)).toThrow(MalformedTraceError);
});

test("values nested past 64 levels are refused as malformed, in protobuf and in JSON, not recursed into", () => {
  // An AnyValue holding an array holding an AnyValue ... 200 levels down.
  let any = stringField(1, "bottom");
  for (let i = 0; i < 200; i++) any = bytesField(5, bytesField(1, any));
  const span = [
    ...bytesField(1, hex("0af7651916cd43dd8448eb211c80319c")),
    ...bytesField(2, hex("b7ad6b7169203331")),
    ...keyValue("deep", any),
  ];
  const request = bytesField(1, bytesField(2, bytesField(2, span)));
  expect(() => decodeTraceRequestProto(new Uint8Array(request), owner)).toThrow("nested deeper than 64");

  let value: unknown = { stringValue: "bottom" };
  for (let i = 0; i < 200; i++) value = { kvlistValue: { values: [{ key: "k", value }] } };
  const json = {
    resourceSpans: [
      {
        scopeSpans: [
          {
            spans: [
              {
                traceId: "0af7651916cd43dd8448eb211c80319c",
                spanId: "b7ad6b7169203331",
                startTimeUnixNano: "1",
                endTimeUnixNano: "2",
                attributes: [{ key: "deep", value }],
              },
            ],
          },
        ],
      },
    ],
  };
  const body = new TextEncoder().encode(JSON.stringify(json));
  expect(() => decodeTraceRequestJson(body, owner)).toThrow(MalformedTraceError);
  expect(() => decodeTraceRequestJson(body, owner)).toThrow("nested deeper than 64");
});

test("a __proto__ attribute is an ordinary attribute, in protobuf and in JSON", () => {
  const kvlist = { kvlistValue: { values: [{ key: "polluted", value: { stringValue: "yes" } }] } };
  const json = {
    resourceSpans: [
      {
        scopeSpans: [
          {
            spans: [
              {
                traceId: "0af7651916cd43dd8448eb211c80319c",
                spanId: "b7ad6b7169203331",
                startTimeUnixNano: "1700000000000000000",
                endTimeUnixNano: "1700000000000000000",
                attributes: [
                  { key: "__proto__", value: kvlist },
                  {
                    key: "nested",
                    value: { kvlistValue: { values: [{ key: "__proto__", value: { stringValue: "v" } }] } },
                  },
                ],
              },
            ],
          },
        ],
      },
    ],
  };
  const [fromJson] = decodeTraceRequestJson(new TextEncoder().encode(JSON.stringify(json)), owner);
  const span = [
    ...bytesField(1, hex("0af7651916cd43dd8448eb211c80319c")),
    ...bytesField(2, hex("b7ad6b7169203331")),
    ...keyValue("__proto__", stringField(1, "x")),
  ];
  const [fromProto] = decodeTraceRequestProto(
    new Uint8Array(bytesField(1, bytesField(2, bytesField(2, span)))),
    owner,
  );
  for (const [decoded, value] of [
    [fromJson!, { polluted: "yes" }],
    [fromProto!, "x"],
  ] as const) {
    expect(Object.keys(decoded.attributes)).toContain("__proto__");
    const stored = JSON.parse(JSON.stringify(decoded.attributes));
    expect(Object.getOwnPropertyDescriptor(stored, "__proto__")?.value).toEqual(value);
  }
  expect(JSON.stringify(fromJson!.attributes.nested)).toBe('{"__proto__":"v"}');
});
