import { expect, test } from "bun:test";
import { envelopeUrl, formatDsn, parseDsn } from "../dsn.ts";
import { keyFromEnvelopeDsn, keyFromHeaders, parseAuthHeader } from "./auth.ts";
import { KeyRateLimiter } from "./rate-limit.ts";

test("keys come from X-Sentry-Auth, Authorization, ?sentry_key and the envelope DSN", () => {
  const auth = "Sentry sentry_version=7, sentry_client=sentry.javascript.node/11.12.0, sentry_key=abc123";
  expect(parseAuthHeader(auth).sentry_client).toBe("sentry.javascript.node/11.12.0");
  expect(keyFromHeaders(new Headers({ "x-sentry-auth": auth }), new URLSearchParams())).toBe("abc123");
  expect(keyFromHeaders(new Headers({ authorization: auth }), new URLSearchParams())).toBe("abc123");
  expect(keyFromHeaders(new Headers(), new URLSearchParams("sentry_version=7&sentry_key=q1"))).toBe("q1");
  expect(keyFromHeaders(new Headers({ authorization: "Bearer x" }), new URLSearchParams())).toBeNull();
  expect(keyFromEnvelopeDsn("http://k9@127.0.0.1:8080/_pier/42")).toEqual({
    publicKey: "k9",
    projectId: "42",
  });
  expect(keyFromEnvelopeDsn(5)).toBeNull();
});

test("DSNs round-trip and give the URL the SDK will post to", () => {
  const dsn = parseDsn("https://abc@shop.example.com/_pier/7")!;
  expect(dsn).toEqual({
    protocol: "https",
    publicKey: "abc",
    host: "shop.example.com",
    path: "/_pier",
    projectId: "7",
  });
  expect(formatDsn(dsn)).toBe("https://abc@shop.example.com/_pier/7");
  expect(envelopeUrl(dsn)).toBe("https://shop.example.com/_pier/api/7/envelope/");
  expect(parseDsn("https://abc@h/notanumber")).toBeNull();
  expect(parseDsn("ftp://abc@h/1")).toBeNull();
});

test("rate limiter: a burst of ten seconds' worth, then Retry-After until tokens refill", () => {
  let now = 0;
  const limiter = new KeyRateLimiter(() => now);
  let allowed = 0;
  for (let i = 0; i < 100; i++) if (limiter.take("k", 60) === 0) allowed++;
  expect(allowed).toBe(10);
  expect(limiter.take("k", 60)).toBe(1);
  now += 5000;
  expect(limiter.take("k", 60)).toBe(0);
  expect(limiter.take("other", 60)).toBe(0);
  expect(limiter.take("k", 0)).toBe(0);
});
