import { describe, expect, test } from "bun:test";
import { LoginRateLimiter } from "./login-rate-limit.ts";
import { hashPassword, verifyPassword } from "./password.ts";
import { readCookie, serializeSessionCookie } from "./session-cookie.ts";
import { hasScope } from "./scopes.ts";
import { generateSecretToken, hashToken } from "./tokens.ts";

describe("passwords", () => {
  test("argon2id hashes verify only the right password", async () => {
    const hash = await hashPassword("correct horse battery");
    expect(hash.startsWith("$argon2id$")).toBe(true);
    expect(await verifyPassword("correct horse battery", hash)).toBe(true);
    expect(await verifyPassword("wrong horse battery", hash)).toBe(false);
    expect(await verifyPassword("x", "not-a-hash")).toBe(false);
  });
});

describe("tokens", () => {
  test("are random, prefixed, and hashed deterministically", () => {
    const a = generateSecretToken();
    const b = generateSecretToken();
    expect(a).toMatch(/^pier_[A-Za-z0-9]{40}$/);
    expect(a).not.toBe(b);
    expect(hashToken(a)).toBe(hashToken(a));
    expect(hashToken(a)).not.toBe(hashToken(b));
    expect(hashToken(a)).toHaveLength(64);
  });

  test("scopes imply narrower ones only", () => {
    expect(hasScope(["admin"], "read")).toBe(true);
    expect(hasScope(["write"], "deploy")).toBe(true);
    expect(hasScope(["deploy"], "write")).toBe(false);
    expect(hasScope(["read"], "admin")).toBe(false);
    expect(hasScope([], "read")).toBe(false);
  });
});

describe("login rate limiter", () => {
  test("blocks after the limit until the window passes, and success resets", () => {
    let now = 0;
    const limiter = new LoginRateLimiter({ maxFailures: 3, windowMs: 60_000, now: () => now });
    for (let i = 0; i < 3; i++) {
      expect(limiter.check("ip|a").allowed).toBe(true);
      limiter.recordFailure("ip|a");
    }
    const gate = limiter.check("ip|a");
    expect(gate.allowed).toBe(false);
    if (!gate.allowed) expect(gate.retryAfterSeconds).toBe(60);
    expect(limiter.check("ip|b").allowed).toBe(true);
    now = 60_000;
    expect(limiter.check("ip|a").allowed).toBe(true);
    limiter.recordFailure("ip|a");
    limiter.recordSuccess("ip|a");
    expect(limiter.check("ip|a").allowed).toBe(true);
  });
});

describe("session cookie", () => {
  test("is HttpOnly and Lax, Secure only under HTTPS, and reads back", () => {
    const plain = serializeSessionCookie("abc", { secure: false, maxAgeSeconds: 10 });
    expect(plain).toContain("HttpOnly");
    expect(plain).toContain("SameSite=Lax");
    expect(plain).not.toContain("Secure");
    expect(serializeSessionCookie("abc", { secure: true, maxAgeSeconds: 10 })).toContain("Secure");
    expect(readCookie("a=1; pier_session=abc; b=2", "pier_session")).toBe("abc");
    expect(readCookie(undefined, "pier_session")).toBeUndefined();
  });
});
