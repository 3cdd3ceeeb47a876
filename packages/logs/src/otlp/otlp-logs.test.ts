import { describe, expect, test } from "bun:test";
import { decodeLogsJson, decodeLogsProtobuf, OtlpDecodeError, type OtlpLog } from "./otlp-logs.ts";
import { otlpToRecords } from "./otlp-records.ts";

const request = {
  resourceLogs: [
    {
      resource: {
        attributes: [
          { key: "service.name", value: { stringValue: "api" } },
          { key: "service.version", value: { stringValue: "1.2.3" } },
          { key: "host.name", value: { stringValue: "box-1" } },
          { key: "deployment.environment", value: { stringValue: "staging" } },
        ],
      },
      scopeLogs: [
        {
          scope: { name: "app.logger" },
          logRecords: [
            {
              timeUnixNano: "1765087200123456789",
              severityNumber: 13,
              severityText: "WARN",
              body: { stringValue: "disk at 91%" },
              attributes: [
                { key: "disk", value: { stringValue: "/data" } },
                { key: "count", value: { intValue: "3" } },
                {
                  key: "tags",
                  value: { arrayValue: { values: [{ stringValue: "a" }, { boolValue: true }] } },
                },
              ],
              traceId: "0af7651916cd43dd8448eb211c80319c",
              spanId: "b7ad6b7169203331",
            },
            {
              observedTimeUnixNano: 1765087201000000000,
              severityText: "fatal",
              body: { kvlistValue: { values: [] } },
            },
            {},
          ],
        },
      ],
    },
  ],
};

describe("OTLP/JSON logs", () => {
  test("records flattened with their resource and scope, mapped to stored lines", () => {
    const logs = decodeLogsJson(JSON.stringify(request));
    expect(logs).toHaveLength(3);
    expect(logs[0]).toMatchObject({
      timeMs: 1765087200123,
      severityNumber: 13,
      body: "disk at 91%",
      attributes: { disk: "/data", count: 3, tags: ["a", true] },
      scope: "app.logger",
      traceId: "0af7651916cd43dd8448eb211c80319c",
    });
    const now = 1765087210000;
    const [warn, fatal, empty] = otlpToRecords("shop", logs, now).records;
    expect(warn).toMatchObject({
      ts: 1765087200123,
      app: "shop",
      env: "staging",
      release: "1.2.3",
      replica: "box-1",
      stream: "otlp",
      level: "warn",
      line: "disk at 91%",
    });
    expect(JSON.parse(warn!.attrs!)).toMatchObject({
      "service.name": "api",
      trace_id: "0af7651916cd43dd8448eb211c80319c",
    });
    // No severity number: the text decides; no time: observed time; neither: now.
    expect(fatal).toMatchObject({ level: "fatal", line: "{}", ts: 1765087201000 });
    expect(empty).toMatchObject({ level: null, line: "", ts: now });
  });

  test("times far ahead are the time received; those older than retention are refused", () => {
    const now = Date.UTC(2026, 0, 1);
    const at = (timeMs: number): OtlpLog => ({
      timeMs,
      severityNumber: 9,
      severityText: "",
      body: "x",
      attributes: {},
      resource: {},
      scope: "",
      traceId: "",
      spanId: "",
    });
    const logs = [
      at(Date.UTC(2100, 0, 1)),
      at(8.64e15),
      at(now + 60_000), // a clock a minute ahead: kept as sent
      at(now - 86_400_000),
      at(now - 8 * 86_400_000), // older than a 7-day retention
      at(1),
    ];
    const { records, rejected } = otlpToRecords("shop", logs, now, now - 7 * 86_400_000);
    expect(records.map((r) => r.ts)).toEqual([now, now, now + 60_000, now - 86_400_000]);
    expect(rejected).toBe(2);
  });

  test("what is not an OTLP request is refused with a reason", () => {
    expect(() => decodeLogsJson("nope")).toThrow(OtlpDecodeError);
    expect(() => decodeLogsJson('{"resourceLogs":[{"scopeLogs":"x"}]}')).toThrow(OtlpDecodeError);
    expect(decodeLogsJson("{}")).toEqual([]);
  });
});

describe("OTLP/protobuf logs", () => {
  test("truncated or malformed messages are refused, unknown fields skipped", () => {
    expect(() => decodeLogsProtobuf(new Uint8Array([0x0a, 0x05, 0x01]))).toThrow(OtlpDecodeError);
    expect(() => decodeLogsProtobuf(new Uint8Array([0x0b]))).toThrow(OtlpDecodeError);
    // Field 2 (unknown here) as a varint, then an empty ResourceLogs.
    expect(decodeLogsProtobuf(new Uint8Array([0x10, 0x01, 0x0a, 0x00]))).toEqual([]);
    // ResourceLogs > ScopeLogs > LogRecord { severity_number: 17, body: { string_value: "hi" } }.
    const body = [0x2a, 0x04, 0x0a, 0x02, 0x68, 0x69];
    const record = [0x10, 17, ...body];
    const scope = [0x12, record.length, ...record];
    const resource = [0x12, scope.length, ...scope];
    const [log] = decodeLogsProtobuf(new Uint8Array([0x0a, resource.length, ...resource]));
    expect(log).toMatchObject({ severityNumber: 17, body: "hi", timeMs: 0 });
  });

  test("a body nested past 64 levels is refused, in protobuf and in JSON", () => {
    const field = (n: number, bytes: number[]) => {
      const length: number[] = [];
      for (let l = bytes.length; ; l = Math.floor(l / 128)) {
        if (l < 0x80) {
          length.push(l);
          break;
        }
        length.push((l & 0x7f) | 0x80);
      }
      return [n * 8 + 2, ...length, ...bytes];
    };
    let any = [0x0a, 0x01, 0x78];
    for (let i = 0; i < 200; i++) any = field(5, field(1, any));
    const request = field(1, field(2, field(2, field(5, any))));
    expect(() => decodeLogsProtobuf(new Uint8Array(request))).toThrow("nested deeper than 64");
    let body: unknown = { stringValue: "x" };
    for (let i = 0; i < 200; i++) body = { arrayValue: { values: [body] } };
    const json = JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body }] }] }] });
    expect(() => decodeLogsJson(json)).toThrow("nested deeper than 64");
  });
});
