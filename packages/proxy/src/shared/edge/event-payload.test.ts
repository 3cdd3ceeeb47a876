import { expect, test } from "bun:test";
import { InvalidEventError, MAX_EVENT_BYTES, parseEventPayload } from "./event-payload.ts";

test("a pageview, a custom event with props and a vitals beacon parse", () => {
  expect(parseEventPayload('{"n":"pageview","u":"https://shop.test/"}')).toEqual({
    n: "pageview",
    u: "https://shop.test/",
  });
  expect(parseEventPayload('{"n":"signup","u":"/","p":{"plan":"pro","seats":3,"trial":true}}').p).toEqual({
    plan: "pro",
    seats: 3,
    trial: true,
  });
  expect(parseEventPayload('{"n":"vitals","u":"/","v":{"lcp":1200,"cls":0.05}}').v).toEqual({
    lcp: 1200,
    cls: 0.05,
  });
});

test("not JSON, missing or unknown keys, too many props and oversized bodies are refused", () => {
  expect(() => parseEventPayload("{")).toThrow(InvalidEventError);
  expect(() => parseEventPayload(JSON.stringify({ n: "x" }))).toThrow(InvalidEventError);
  expect(() => parseEventPayload(JSON.stringify({ n: "x", u: "/", extra: 1 }))).toThrow(InvalidEventError);
  const props = Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`k${i}`, i]));
  expect(() => parseEventPayload(JSON.stringify({ n: "x", u: "/", p: props }))).toThrow(/30 props/);
  expect(() => parseEventPayload("x".repeat(MAX_EVENT_BYTES + 1))).toThrow(/larger/);
  try {
    parseEventPayload("x".repeat(MAX_EVENT_BYTES + 1));
  } catch (error) {
    expect((error as InvalidEventError).status).toBe(413);
  }
});
