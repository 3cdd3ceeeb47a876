import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { type PierProcess, startPier } from "../support/pier-process.ts";

// Findings of the outside security review, tried against the compiled binary the way they were
// found: from outside, with nothing but HTTP.

const json = (body: unknown) => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

describe("first admin (review finding 2)", () => {
  let pier: PierProcess;
  beforeAll(async () => {
    pier = await startPier({ env: { PIER_ADMIN_TOKEN: "pier_security_e2e_admin_token_0123456789" } });
  });
  afterAll(() => pier.stop());

  test("reaching the console is not enough: setup needs the code pier printed at start", async () => {
    const code = pier.setupCode();
    expect(code).toMatch(/^[0-9A-Z]{5}(-[0-9A-Z]{5}){3}$/);
    expect(pier.logs()).toContain(code);
    expect(statSync(join(pier.dataDir, "setup-code")).mode & 0o077).toBe(0);

    const anonymous = await fetch(
      `${pier.url}/api/v1/auth/setup`,
      json({ email: "mallory@example.com", password: "a long password" }),
    );
    expect(anonymous.status).toBe(403);
    expect((await anonymous.json()).error.code).toBe("setup_code_required");
    // Still no admin: the real operator can set up.
    expect((await (await fetch(`${pier.url}/api/v1/auth/setup`)).json()).needsSetup).toBe(true);

    const real = await fetch(
      `${pier.url}/api/v1/auth/setup`,
      json({ email: "ops@example.com", password: "a long password", setupCode: code }),
    );
    expect(real.status).toBe(201);
    expect(existsSync(join(pier.dataDir, "setup-code"))).toBe(false);
  });
});

describe("login limits (review finding 3)", () => {
  let pier: PierProcess;
  const admin = { email: "ops@example.com", password: "a long password" };
  beforeAll(async () => {
    // Listening on both loopbacks gives two distinct client addresses: 127.0.0.1 and ::1.
    pier = await startPier({ args: ["--host", "::"] });
    const res = await fetch(`${pier.url}/api/v1/auth/setup`, json({ ...admin, setupCode: pier.setupCode() }));
    expect(res.status).toBe(201);
  });
  afterAll(() => pier.stop());

  const login = (origin: string, password: string, headers: Record<string, string> = {}) =>
    fetch(`${origin}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ email: admin.email, password }),
    }).then((r) => r.status);

  test("40 parallel wrong logins: only the limit (10) reach the password check", async () => {
    const v4 = `http://127.0.0.1:${pier.consolePort}`;
    const statuses = await Promise.all(Array.from({ length: 40 }, () => login(v4, "wrong password")));
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(30);
  });

  test("rotating X-Forwarded-For does not buy new attempts", async () => {
    const v4 = `http://127.0.0.1:${pier.consolePort}`;
    expect(await login(v4, "wrong password", { "x-forwarded-for": "198.51.100.77" })).toBe(429);
    expect(await login(v4, admin.password, { "x-forwarded-for": "203.0.113.5" })).toBe(429);
  });

  test("an attacker at one address cannot lock the admin out at another", async () => {
    const v6 = `http://[::1]:${pier.consolePort}`;
    expect(await login(v6, admin.password)).toBe(200);
  });
});
