import { expect, test } from "bun:test";
import { prepareEvent } from "./prepare-event.ts";

test("NUL characters never reach the text columns (PostgreSQL refuses them, failing the whole batch)", () => {
  const payload = {
    level: "error",
    release: "r\u00001",
    environment: "e\u0000",
    server_name: "s\u0000",
    exception: { values: [{ type: "Nul\u0000Error", value: "a\u0000b" }] },
    tags: { "t\u0000": "v\u0000" },
    user: { id: "u\u0000" },
  };
  const prepared = prepareEvent(1, "0".repeat(32), payload, new Uint8Array(), 0)!;
  const text = JSON.stringify({ ...prepared, payload: undefined });
  expect(text).not.toContain("\\u0000");
  expect(prepared.title).toContain("Nul\uFFFDError");
  expect(prepared.event.tags).toEqual({ "t\uFFFD": "v\uFFFD" });
});
