import { describe, expect, test } from "bun:test";
import { defaultScrubSettings, FILTERED, looksLikeCredential, scrubEvent } from "./scrub.ts";

const adminToken = `pier_${"A1b2C3".repeat(7)}`;

function sentryCliEvent(): Record<string, unknown> {
  // What `sentry-cli send-event` sends by default: the whole process environment under extra.
  return {
    message: "deploy failed",
    extra: {
      environ: {
        PATH: "/usr/bin",
        PIER_ADMIN_TOKEN: adminToken,
        SENTRY_DSN: "https://0123456789abcdef0123456789abcdef@pier.example.com/3",
        DATABASE_URL: "postgres://app:hunter2@db:5432/app",
        HOME: "/root",
      },
      retries: 3,
    },
    contexts: { app: { session_id: "abc", name: "shop" } },
    request: {
      url: "https://shop.example.com/checkout?coupon=X",
      headers: { Authorization: "Bearer abc.def.ghi", Cookie: "sid=1", "User-Agent": "curl" },
      cookies: { sid: "1" },
      query_string: "coupon=SAVE&access_token=xyz&q=shoes",
      data: { card: "4111 1111 1111 1111", note: "leave at door", password: "pw" },
    },
    breadcrumbs: { values: [{ message: "login", data: { api_key: "k", user: "ann" } }] },
    exception: {
      values: [
        {
          type: "Error",
          stacktrace: {
            frames: [
              { function: "pay", vars: { secretKey: "s", amount: 10, key: "sk-ABCDEFGHIJKLMNOPQRSTUVWX" } },
            ],
          },
        },
      ],
    },
    user: { id: "42", ip_address: "{{auto}}" },
  };
}

describe("scrubEvent", () => {
  test("filters sensitive keys and credential-shaped values everywhere Sentry does", () => {
    const event = sentryCliEvent();
    expect(scrubEvent(event, defaultScrubSettings, "203.0.113.9")).toBe(true);
    const environ = (event.extra as { environ: Record<string, string> }).environ;
    expect(environ.PIER_ADMIN_TOKEN).toBe(FILTERED);
    expect(environ.SENTRY_DSN).toBe(FILTERED);
    expect(environ.DATABASE_URL).toBe(FILTERED);
    expect(environ.PATH).toBe("/usr/bin");
    expect((event.extra as { retries: number }).retries).toBe(3);
    expect((event.contexts as { app: Record<string, string> }).app).toEqual({
      session_id: FILTERED,
      name: "shop",
    });
    const request = event.request as Record<string, Record<string, string> | string>;
    expect(request.headers).toEqual({ Authorization: FILTERED, Cookie: FILTERED, "User-Agent": "curl" });
    expect(request.cookies).toBe(FILTERED);
    expect(request.query_string).toBe(`coupon=SAVE&access_token=${FILTERED}&q=shoes`);
    expect(request.data).toEqual({ card: FILTERED, note: "leave at door", password: FILTERED });
    const crumb = (event.breadcrumbs as { values: { data: Record<string, string> }[] }).values[0]!;
    expect(crumb.data).toEqual({ api_key: FILTERED, user: "ann" });
    const frame = (
      event.exception as { values: { stacktrace: { frames: { vars: Record<string, unknown> }[] } }[] }
    ).values[0]!.stacktrace.frames[0]!;
    expect(frame.vars).toEqual({ secretKey: FILTERED, amount: 10, key: FILTERED });
    expect(JSON.stringify(event)).not.toContain(adminToken);
    expect(JSON.stringify(event)).not.toContain("hunter2");
  });

  test("{{auto}} becomes the client address, or goes when the project drops IPs", () => {
    const event = sentryCliEvent();
    scrubEvent(event, defaultScrubSettings, "203.0.113.9");
    expect(event.user).toEqual({ id: "42", ip_address: "203.0.113.9" });
    const dropped: { user: Record<string, string> } = { user: { id: "1", ip_address: "198.51.100.1" } };
    expect(scrubEvent(dropped, { ...defaultScrubSettings, dropIp: true }, "203.0.113.9")).toBe(true);
    expect(dropped.user).toEqual({ id: "1" });
  });

  test("extra fields of the project, and scrubbing turned off", () => {
    const event = { extra: { customer_vat: "DE123", other: "x" } };
    scrubEvent(event, { ...defaultScrubSettings, fields: ["vat"] }, null);
    expect(event.extra).toEqual({ customer_vat: FILTERED, other: "x" });
    const raw = sentryCliEvent();
    expect(scrubEvent(raw, { enabled: false, fields: [], dropIp: false }, "203.0.113.9")).toBe(true);
    expect((raw.extra as { environ: Record<string, string> }).environ.PIER_ADMIN_TOKEN).toBe(adminToken);
  });

  test("an event with nothing to filter is reported unchanged", () => {
    expect(
      scrubEvent(
        { message: "boom", extra: { count: 1 }, user: { id: "7" } },
        defaultScrubSettings,
        "1.2.3.4",
      ),
    ).toBe(false);
  });
});

test("looksLikeCredential: Luhn-valid card numbers yes, ordinary numbers and ids no", () => {
  expect(looksLikeCredential("4111-1111-1111-1111")).toBe(true);
  expect(looksLikeCredential("order 4111111111111112")).toBe(false);
  expect(looksLikeCredential("request id 550e8400-e29b-41d4-a716-446655440000")).toBe(false);
  expect(looksLikeCredential("-----BEGIN RSA PRIVATE KEY-----")).toBe(true);
  expect(looksLikeCredential("https://user:pass@example.com")).toBe(true);
  expect(looksLikeCredential("https://example.com/path")).toBe(false);
});
