import { describe, expect, test } from "bun:test";
import { rawEventSchema } from "./event-schema.ts";
import { frameComponent, groupEvent, issueCulprit, issueTitle, normalizeMessage } from "./grouping.ts";
import { normalizeEvent } from "./normalize.ts";

const processed = (raw: unknown) =>
  normalizeEvent(rawEventSchema.parse(raw), "e".repeat(32), 1_700_000_000_000);

function exceptionEvent(opts: { line: number; bundle?: string; fn?: string; value?: string; type?: string }) {
  return processed({
    exception: {
      values: [
        {
          type: opts.type ?? "TypeError",
          value: opts.value ?? "Cannot read properties of undefined (reading 'id')",
          stacktrace: {
            frames: [
              { filename: "node:internal/process", function: "processTicks", lineno: 1, in_app: false },
              { filename: "/app/node_modules/express/router.js", function: "handle", lineno: 10 },
              {
                filename: opts.bundle ?? "/app/src/routes.ts",
                function: opts.fn ?? "loadUser",
                lineno: opts.line,
                colno: 7,
              },
            ],
          },
        },
      ],
    },
  });
}

describe("grouping", () => {
  test("same in-app code path groups across line changes, values and re-hashed bundles", () => {
    const a = groupEvent(exceptionEvent({ line: 10, value: "user 17 missing" }));
    const b = groupEvent(exceptionEvent({ line: 99, value: "user 42 missing" }));
    expect(a.kind).toBe("exception");
    expect(a.hash).toBe(b.hash);
    const c = groupEvent(
      exceptionEvent({ line: 1, bundle: "http://localhost:5173/assets/app.3f9a2c1b.js?v=2" }),
    );
    const d = groupEvent(
      exceptionEvent({ line: 2, bundle: "https://shop.example.com/assets/app.77aa00ff.js" }),
    );
    expect(c.hash).toBe(d.hash);
  });

  test("a different function or exception type is a different issue", () => {
    const base = groupEvent(exceptionEvent({ line: 1 })).hash;
    expect(groupEvent(exceptionEvent({ line: 1, fn: "saveUser" })).hash).not.toBe(base);
    expect(groupEvent(exceptionEvent({ line: 1, type: "RangeError" })).hash).not.toBe(base);
  });

  test("library frames do not take part when in-app frames exist", () => {
    const event = exceptionEvent({ line: 1 });
    expect(event.exceptions[0]!.frames.map((f) => f.inApp)).toEqual([false, false, true]);
    expect(groupEvent(event).components).toEqual(["type:TypeError", "/app/src/routes.ts:loadUser"]);
  });

  test("messages group after numbers, ids and addresses are stripped", () => {
    const m1 = processed({
      message: "Order 1234 failed for 9f0c1c7e-6a3b-4c55-9d54-5a1f2b3c4d5e at 0x7fff5a",
    });
    const m2 = processed({
      message: { formatted: "Order 99 failed for 0b1c2d3e-6a3b-4c55-9d54-5a1f2b3c4d5e at 0x10" },
    });
    expect(groupEvent(m1).hash).toBe(groupEvent(m2).hash);
    expect(groupEvent(m1).kind).toBe("message");
    expect(normalizeMessage("took 12.5 ms from 10.0.0.1")).toBe("took <num> ms from <ip>");
    const withStack = (message: string) =>
      processed({
        message,
        stacktrace: { frames: [{ filename: "/app/main.ts", function: "?", lineno: 3 }] },
      });
    expect(groupEvent(withStack("cache miss")).kind).toBe("message");
    expect(groupEvent(withStack("cache miss")).hash).not.toBe(groupEvent(withStack("queue full")).hash);
    expect(issueCulprit(withStack("x"))).toBe("/app/main.ts");
    // @sentry/node's captureMessage: a typeless exception carrying the message as its value
    const synthetic = (value: string) =>
      processed({
        exception: { values: [{ value, stacktrace: { frames: [{ filename: "/a.ts", lineno: 1 }] } }] },
      });
    expect(groupEvent(synthetic("sync took 12 ms")).hash).toBe(groupEvent(synthetic("sync took 99 ms")).hash);
    expect(groupEvent(synthetic("sync took 12 ms")).hash).not.toBe(groupEvent(synthetic("other")).hash);
  });

  test("client fingerprints win; {{ default }} extends the built-in grouping", () => {
    const fp1 = processed({ message: "a", fingerprint: ["payment-gateway", "timeout"] });
    const fp2 = processed({ message: "completely different", fingerprint: ["payment-gateway", "timeout"] });
    expect(groupEvent(fp1).hash).toBe(groupEvent(fp2).hash);
    expect(groupEvent(fp1).kind).toBe("fingerprint");
    const ext1 = processed({ message: "x", fingerprint: ["{{ default }}", "eu"] });
    const ext2 = processed({ message: "x", fingerprint: ["{{ default }}", "us"] });
    expect(groupEvent(ext1).hash).not.toBe(groupEvent(ext2).hash);
  });

  test("hex addresses in native function names are ignored", () => {
    const addr = { module: null, filename: "a.c", function: "at 0x7f00ab", inApp: true } as never;
    expect(frameComponent(addr)).toBe("a.c:at <addr>");
  });

  test("title and culprit come from the thrown exception and its innermost in-app frame", () => {
    const event = exceptionEvent({ line: 3 });
    expect(issueTitle(event)).toBe("TypeError: Cannot read properties of undefined (reading 'id')");
    expect(issueCulprit(event)).toBe("loadUser(/app/src/routes.ts)");
    expect(issueTitle(processed({ message: "first line\nsecond" }))).toBe("first line");
    expect(issueCulprit(processed({ message: "m", transaction: "GET /users" }))).toBe("GET /users");
  });
});
