import { expect, test } from "bun:test";
import { payloadEventId } from "./event-id.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

test("the top-level event_id only: not a nested one, not a string value that reads event_id", () => {
  expect(payloadEventId(bytes('{"event_id": "abc"}'))).toBe("abc");
  expect(payloadEventId(bytes('{"extra":{"event_id":"nested"},"m":"\\"event_id\\"","event_id":"top"}'))).toBe(
    "top",
  );
  expect(payloadEventId(bytes('{"message":"event_id","level":"error"}'))).toBeUndefined();
  expect(payloadEventId(bytes('{"event_id":12}'))).toBeUndefined();
  expect(payloadEventId(bytes(`{"event_id":"${"a".repeat(40)}"}`))).toBeUndefined();
});
