import { expect, test } from "bun:test";
import { readToWorker, toWorkerTypes } from "./to-worker-guard.ts";
import { toWorkerSchema } from "./worker-messages.ts";

test("the worker's list of message kinds is the schema's", () => {
  const schemaTypes = toWorkerSchema.options.map((option) => option.shape.type.value);
  expect([...toWorkerTypes].sort()).toEqual([...schemaTypes].sort());
});

test("a known kind passes as it is; anything else is refused with its type named", () => {
  const crash = { type: "crash", version: 3 };
  const read = readToWorker(crash);
  expect(read.ok).toBe(true);
  expect(read.ok && (read.message as unknown)).toBe(crash);
  expect(readToWorker({ type: "reboot", version: 1 })).toEqual({
    ok: false,
    reason: 'unknown message type "reboot"',
  });
  expect(readToWorker(null)).toEqual({ ok: false, reason: "unknown message type null" });
  expect(readToWorker("init")).toEqual({ ok: false, reason: "unknown message type null" });
});
