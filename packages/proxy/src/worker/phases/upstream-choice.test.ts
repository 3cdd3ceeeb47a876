import { expect, test } from "bun:test";
import { routeSpecSchema } from "../../shared/route-spec.ts";
import { compileRoute, type UpstreamTarget } from "../../shared/route-table.ts";
import { UpstreamHealth } from "../upstream-health.ts";
import { isIdempotent, MAX_ATTEMPTS, UpstreamChoice } from "./upstream-choice.ts";

const route = (n: number) =>
  compileRoute(
    routeSpecSchema.parse({
      id: "r",
      host: "a.test",
      upstreams: Array.from({ length: n }, (_, i) => `http://127.0.0.1:${3001 + i}`),
    }),
  );
const CONSOLE: UpstreamTarget = { origin: "http://127.0.0.1:7070", hostname: "127.0.0.1", port: 7070 };

function setup(now = 0) {
  const clock = { now };
  const health = new UpstreamHealth(() => clock.now);
  return { clock, health, choice: new UpstreamChoice(health) };
}

test("idempotent methods are the ones RFC 9110 names", () => {
  for (const m of ["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]) expect(isIdempotent(m)).toBe(true);
  for (const m of ["POST", "PATCH", "CONNECT", "get"]) expect(isIdempotent(m)).toBe(false);
});

test("exchanges go round-robin over the replicas", () => {
  const { choice } = setup();
  const r = route(3);
  const picked: number[] = [];
  for (let i = 0; i < 4; i++) {
    choice.start(r, null, "GET", true);
    picked.push(choice.next(r)!.port);
  }
  expect(picked).toEqual([3001, 3002, 3003, 3001]);
});

test("a refused connection backs the replica off and, for a retryable request, tries another", () => {
  const { choice, health } = setup();
  const r = route(2);
  choice.start(r, null, "GET", true);
  const first = choice.next(r)!;
  expect(choice.connectFailed()).toBe(true);
  expect(health.isDown(first.origin)).toBe(true);
  const second = choice.next(r)!;
  expect(second).not.toBe(first);
  expect(choice.connectFailed()).toBe(true);
  expect(choice.next(r)).toBeNull();
  // The next exchange skips both while they back off, probing the one that recovers first.
  choice.start(r, null, "GET", true);
  expect(choice.next(r)).toBe(first);
});

test("attempts are bounded by MAX_ATTEMPTS and by the number of replicas", () => {
  const { choice } = setup();
  const many = route(5);
  choice.start(many, null, "GET", true);
  let attempts = 0;
  while (choice.next(many) !== null) {
    attempts++;
    choice.connectFailed();
  }
  expect(attempts).toBe(MAX_ATTEMPTS);
  const one = route(1);
  choice.start(one, null, "GET", true);
  expect(choice.next(one)).not.toBeNull();
  choice.connectFailed();
  expect(choice.next(one)).toBeNull();
});

test("a POST, or a request whose body is still streaming, is never sent twice", () => {
  const { choice } = setup();
  const r = route(3);
  choice.start(r, null, "POST", true);
  choice.next(r);
  expect(choice.connectFailed()).toBe(false);
  choice.start(r, null, "PUT", false);
  choice.next(r);
  expect(choice.connectFailed()).toBe(false);
  expect(choice.retriesStaleSocket(true, false)).toBe(false);
});

test("a stale reused socket is retried only before any answer byte, and only for a retryable request", () => {
  const { choice } = setup();
  const r = route(1);
  choice.start(r, null, "GET", true);
  choice.next(r);
  expect(choice.retriesStaleSocket(true, false)).toBe(true);
  expect(choice.retriesStaleSocket(false, false)).toBe(false);
  expect(choice.retriesStaleSocket(true, true)).toBe(false);
});

test("a pinned target gets one attempt and no health bookkeeping", () => {
  const { choice, health } = setup();
  const r = route(2);
  choice.start(r, CONSOLE, "GET", true);
  expect(choice.next(r)).toBe(CONSOLE);
  expect(choice.connectFailed()).toBe(true);
  expect(health.isDown(CONSOLE.origin)).toBe(false);
  expect(choice.next(r)).toBeNull();
  expect(choice.target).toBe(CONSOLE);
});

test("a completed exchange makes a backed-off replica healthy again", () => {
  const { choice, health, clock } = setup();
  const r = route(1);
  choice.start(r, null, "GET", true);
  const target = choice.next(r)!;
  choice.connectFailed();
  clock.now = 5_000;
  choice.start(r, null, "GET", true);
  expect(choice.next(r)).toBe(target);
  choice.succeeded();
  clock.now = 0;
  expect(health.isDown(target.origin)).toBe(false);
});
