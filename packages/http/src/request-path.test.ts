import { expect, test } from "bun:test";
import { pathOf } from "./request-path.ts";

test("pathOf takes the path of an absolute URL without its query", () => {
  expect(pathOf("http://h:7070/api/9/envelope/?sentry_key=k")).toBe("/api/9/envelope/");
  expect(pathOf("https://example.com/_pier/event")).toBe("/_pier/event");
  expect(pathOf("http://example.com")).toBe("/");
  expect(pathOf("http://example.com?x=1")).toBe("/");
});
