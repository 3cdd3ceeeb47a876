import { expect, test } from "bun:test";
import { boundJsonDepth } from "./bound-depth.ts";

test("containers past the depth become [Object] / [Array]; strings with brackets are left alone", () => {
  const text = JSON.stringify({ a: { b: [1, { c: "x" }] }, s: '{[\\"]}', t: [[{}]] });
  expect(boundJsonDepth(text, 10)).toBe(text);
  expect(JSON.parse(boundJsonDepth(text, 2))).toEqual({ a: { b: "[Array]" }, s: '{[\\"]}', t: ["[Array]"] });
  expect(JSON.parse(boundJsonDepth(text, 1))).toEqual({ a: "[Object]", s: '{[\\"]}', t: "[Array]" });
});

test("any depth in one pass, no recursion; malformed text comes back as it was", () => {
  const deep = `{"x":${"[".repeat(1_000_000)}${"]".repeat(1_000_000)},"y":1}`;
  expect(JSON.parse(boundJsonDepth(deep, 3))).toEqual({ x: [["[Array]"]], y: 1 });
  expect(boundJsonDepth('{"x":[[[[', 2)).toBe('{"x":[[[[');
});
