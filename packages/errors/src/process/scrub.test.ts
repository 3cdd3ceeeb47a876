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

describe("scrubEvent: free text and pier's own secrets", () => {
  const aiKey = `pier_ai_${"Zy9Xw8".repeat(7)}`;
  const openAiKey = `sk-proj-${"A1b2C3d4E5".repeat(5)}`;

  test("pier AI keys, session ids and tokens are filtered under any key", () => {
    const event = { extra: { aiKey, session: "x", note: `csrf_${"Q".repeat(40)}`, other: "pier_docs" } };
    scrubEvent(event, defaultScrubSettings, null);
    expect(event.extra).toEqual({ aiKey: FILTERED, session: FILTERED, note: FILTERED, other: "pier_docs" });
  });

  test("exception values, message objects and logentry keep their text, not the credential", () => {
    const event: Record<string, unknown> = {
      message: { formatted: `token ${adminToken} leaked`, params: [aiKey, 3] },
      logentry: { message: "auth with Bearer abcdefghijklmnopqrstuvwxyz123456", formatted: "ok" },
      exception: {
        values: [
          { type: "Error", value: `401 from OpenAI with key ${openAiKey}` },
          {
            type: "Error",
            value: "connect failed redis://:redispass@cache:6379 and postgres://app:dbpass123@db/x",
          },
        ],
      },
    };
    expect(scrubEvent(event, defaultScrubSettings, null)).toBe(true);
    expect(event.message).toEqual({ formatted: `token ${FILTERED} leaked`, params: [FILTERED, 3] });
    expect(event.logentry).toEqual({ message: `auth with ${FILTERED}`, formatted: "ok" });
    const values = (event.exception as { values: { value: string }[] }).values.map((v) => v.value);
    expect(values).toEqual([
      `401 from OpenAI with key ${FILTERED}`,
      `connect failed redis://:${FILTERED}@cache:6379 and postgres://app:${FILTERED}@db/x`,
    ]);
  });

  test("sensitive query parameters in breadcrumb and request URLs", () => {
    const event = {
      request: { url: "https://user:hunter2@shop.test/cb?token=abc123&page=2&password=p%40ss" },
      breadcrumbs: {
        values: [
          {
            message: "GET https://api.test/v1?api_key=SECRETQ123456&q=shoes",
            data: { url: "https://x/?apikey=K2" },
          },
        ],
      },
      extra: { redis: "redis://:redispass@cache:6379" },
    };
    scrubEvent(event, defaultScrubSettings, null);
    expect(event.request.url).toBe(
      `https://user:${FILTERED}@shop.test/cb?token=${FILTERED}&page=2&password=${FILTERED}`,
    );
    expect(event.breadcrumbs.values[0]).toEqual({
      message: `GET https://api.test/v1?api_key=${FILTERED}&q=shoes`,
      data: { url: `https://x/?apikey=${FILTERED}` },
    });
    expect(event.extra.redis).toBe(FILTERED);
  });

  test("ordinary text is left alone, and 40 KB of adversarial text scrubs in linear time", () => {
    const plain = { message: { formatted: "GET /search?q=shoes&page=2 took 30ms" } };
    expect(scrubEvent(plain, defaultScrubSettings, null)).toBe(false);
    const started = performance.now();
    for (const unit of ["a.", "eyJ-", "sk-", "a://:", "?a", "&token=", "pier_", "1 "]) {
      const text = unit.repeat(Math.ceil(40_000 / unit.length));
      scrubEvent(
        { message: text, extra: { text }, exception: [{ value: text }], request: { url: text } },
        defaultScrubSettings,
        null,
      );
    }
    // Unbounded patterns took ~1.5 s here (one scan to the end per word boundary); now ~50 ms.
    expect(performance.now() - started).toBeLessThan(400);
  });
});
