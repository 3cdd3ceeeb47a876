import { describe, expect, test } from "bun:test";
import { InvalidHostError, WildcardNeedsDns01Error } from "./errors.ts";
import { parseHostName } from "./host-name.ts";

describe("parseHostName", () => {
  test("normalises case, whitespace and the trailing dot", () => {
    expect(parseHostName(" App.Example.COM. ", { acme: true })).toBe("app.example.com");
  });

  test.each([
    "",
    "exa mple.com",
    "-bad.example.com",
    "bad-.example.com",
    "a..b.com",
    "under_score.example.com",
    "127.0.0.1",
    "::1",
    "example.123",
    `${"a".repeat(64)}.com`,
    "*.com",
    "app.*.example.com",
    "http://example.com",
  ])("rejects %p", (host) => {
    expect(() => parseHostName(host, { acme: false })).toThrow(InvalidHostError);
  });

  test("rejects non-strings with an InvalidHostError", () => {
    expect(() => parseHostName(42, { acme: false })).toThrow(InvalidHostError);
  });

  test("wildcards: allowed self-signed, refused for ACME with a DNS-01 explanation", () => {
    expect(parseHostName("*.example.com", { acme: false })).toBe("*.example.com");
    const attempt = () => parseHostName("*.example.com", { acme: true });
    expect(attempt).toThrow(WildcardNeedsDns01Error);
    expect(attempt).toThrow(/DNS-01/);
  });

  test("single-label names are fine self-signed but not for ACME", () => {
    expect(parseHostName("localhost", { acme: false })).toBe("localhost");
    expect(() => parseHostName("localhost", { acme: true })).toThrow(InvalidHostError);
  });
});
