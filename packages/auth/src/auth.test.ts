import { describe, expect, test } from "bun:test";
import { LoginRateLimiter } from "./login-rate-limit.ts";
import { hashPassword, verifyPassword } from "./password.ts";
import { hasScope } from "./scopes.ts";
import {
  clearSessionCookie,
  readCookie,
  readSessionCookie,
  serializeSessionCookie,
} from "./session-cookie.ts";
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
  const fail = (limiter: LoginRateLimiter, key: string) => {
    const gate = limiter.begin(key);
    expect(gate.allowed).toBe(true);
    if (gate.allowed) gate.failed();
  };

  test("blocks after the limit until the window passes, and success resets", () => {
    let now = 0;
    const limiter = new LoginRateLimiter({ maxFailures: 3, windowMs: 60_000, now: () => now });
    for (let i = 0; i < 3; i++) fail(limiter, "ip|a");
    const gate = limiter.begin("ip|a");
    expect(gate.allowed).toBe(false);
    if (!gate.allowed) expect(gate.retryAfterSeconds).toBe(60);
    expect(limiter.begin("ip|b").allowed).toBe(true);
    now = 60_000;
    fail(limiter, "ip|a");
    const ok = limiter.begin("ip|a");
    if (ok.allowed) ok.succeeded();
    for (let i = 0; i < 3; i++) fail(limiter, "ip|a");
    expect(limiter.begin("ip|a").allowed).toBe(false);
  });

  test("attempts in flight count: parallel guesses cannot all pass before the first failure is recorded", () => {
    const limiter = new LoginRateLimiter({ maxFailures: 3, windowMs: 60_000 });
    const gates = Array.from({ length: 40 }, () => limiter.begin("ip|a"));
    expect(gates.filter((g) => g.allowed)).toHaveLength(3);
    for (const gate of gates) if (gate.allowed) gate.failed();
    expect(limiter.begin("ip|a").allowed).toBe(false);
  });

  test("settling an attempt twice counts once", () => {
    const limiter = new LoginRateLimiter({ maxFailures: 2, windowMs: 60_000 });
    const gate = limiter.begin("k");
    if (!gate.allowed) throw new Error("expected allowed");
    gate.failed();
    gate.failed();
    expect(limiter.begin("k").allowed).toBe(true);
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

  test("is __Host-pier_session under HTTPS, pier_session over plain HTTP, each read under its scheme only", () => {
    const secure = serializeSessionCookie("abc", { secure: true, maxAgeSeconds: 10 });
    expect(secure).toStartWith("__Host-pier_session=abc; Path=/;");
    expect(secure).not.toContain("Domain");
    expect(serializeSessionCookie("abc", { secure: false, maxAgeSeconds: 10 })).toStartWith(
      "pier_session=abc;",
    );
    expect(clearSessionCookie(true)).toStartWith("__Host-pier_session=;");
    const both = "pier_session=planted; __Host-pier_session=real";
    expect(readSessionCookie(both, true)).toBe("real");
    expect(readSessionCookie(both, false)).toBe("planted");
    expect(readSessionCookie("pier_session=planted", true)).toBeUndefined();
    expect(readSessionCookie("__Host-pier_session=", true)).toBeUndefined();
  });
});
