import { expect, test } from "bun:test";
import { int, quote } from "./literals.ts";

test("quote escapes backslashes before quotes, so no value can close the literal", () => {
  expect(quote("plain")).toBe("'plain'");
  expect(quote("it's")).toBe("'it\\'s'");
  expect(quote("C:\\path")).toBe("'C:\\\\path'");
  // A trailing backslash would otherwise escape the closing quote.
  expect(quote("ends\\")).toBe("'ends\\\\'");
  // Backslash-quote must become an escaped backslash followed by an escaped quote.
  expect(quote("\\'")).toBe("'\\\\\\''");
  expect(quote("x' OR 1=1 --")).toBe("'x\\' OR 1=1 --'");
  expect(quote("")).toBe("''");
});

test("int truncates toward zero and refuses values that are not finite numbers", () => {
  expect(int(42)).toBe("42");
  expect(int(1_764_000_000_123.9)).toBe("1764000000123");
  expect(int(-3.7)).toBe("-3");
  expect(() => int(Number.NaN)).toThrow(TypeError);
  expect(() => int(Number.POSITIVE_INFINITY)).toThrow(TypeError);
});
