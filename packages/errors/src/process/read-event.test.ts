import { expect, test } from "bun:test";
import { rawEventSchema } from "./event-schema.ts";
import { readRawEvent } from "./read-event.ts";

// readRawEvent is the fast path of rawEventSchema: on every input both must agree exactly.
const samples: unknown[] = [
  {},
  { message: "plain", level: "warning", release: 3, tags: { a: "b", n: 1, t: true, x: null } },
  {
    message: { formatted: "f", params: [1] },
    logentry: { message: 5 },
    extra: { k: [1, 2] },
    custom: { keep: 1 },
  },
  {
    exception: {
      values: [
        {
          type: "TypeError",
          value: "v",
          mechanism: { type: "onerror", handled: "no" },
          stacktrace: {
            frames: [{ filename: "a.js", lineno: 3, in_app: true, pre_context: ["x"], vars: { a: 1 } }],
          },
        },
      ],
    },
    breadcrumbs: { values: [{ timestamp: "2024-01-01T00:00:00Z", data: { a: 1 }, message: 3 }] },
    user: { id: 5, email: ["bad"] },
    request: { url: "http://x", headers: { a: "b" }, method: 1 },
    fingerprint: ["{{ default }}", 2],
    sdk: { name: "sentry.javascript.browser", version: 11 },
  },
  { exception: [{ type: "E" }], breadcrumbs: [{ category: "c" }], tags: [["k", "v"]] },
  {
    exception: { values: "nope" },
    breadcrumbs: { values: [1] },
    tags: [["k"]],
    fingerprint: [{}],
    user: "u",
  },
  { exception: { values: [{ stacktrace: { frames: [1] } }] }, stacktrace: { frames: "x" }, contexts: [1] },
  { timestamp: 1.5, platform: 7, environment: null, server_name: "s", dist: "d", transaction: "GET /" },
  { tags: { bad: { nested: 1 } }, release: null, exception: {} },
];

test("readRawEvent yields what rawEventSchema.parse yields", () => {
  for (const sample of samples) {
    expect(readRawEvent(sample)).toEqual(rawEventSchema.parse(sample));
  }
});

test("non-objects are rejected by both", () => {
  for (const bad of [null, 1, "x", [1], true]) {
    expect(readRawEvent(bad)).toBeNull();
    expect(rawEventSchema.safeParse(bad).success).toBe(false);
  }
});
