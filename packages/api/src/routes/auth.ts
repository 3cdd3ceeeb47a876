import {
  checkPasswordPolicy,
  clearSessionCookie,
  generateSecretToken,
  hashPassword,
  hashToken,
  readCookie,
  serializeSessionCookie,
  sessionCookieName,
  tokenHint,
  verifyPassword,
} from "@pier/auth";
import { ConflictError, newId, RateLimitedError, UnauthorizedError } from "@pier/core";
import type { ApiEnv } from "@pier/http";
import { authenticate, readBody } from "@pier/http";
import { type Context, Hono } from "hono";
import type { ApiDeps } from "../context.ts";
import { cliTokenBody, credentialsBody } from "../schemas.ts";

const defaultSessionTtlMs = 7 * 24 * 3600 * 1000;

function isHttps(c: Context): boolean {
  return c.req.header("x-forwarded-proto") === "https" || new URL(c.req.url).protocol === "https:";
}

function clientAddress(c: Context): string {
  return c.req.header("x-forwarded-for")?.split(",")[0]?.trim() ?? c.env?.remoteAddress ?? "local";
}

export function authRoutes(deps: ApiDeps) {
  const app = new Hono<ApiEnv>();

  /** Checks a password under the login rate limit; the same path for the dashboard and the CLI. */
  async function verifyCredentials(c: Context, email: string, password: string) {
    const key = `${clientAddress(c)}|${email}`;
    const gate = deps.loginLimiter.check(key);
    if (!gate.allowed) {
      throw new RateLimitedError(
        `Too many failed logins; try again in ${gate.retryAfterSeconds} s.`,
        gate.retryAfterSeconds,
      );
    }
    const user = await deps.stores.users.findByEmail(email);
    // Verify against a dummy hash when the user is unknown, so timing does not reveal accounts.
    const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyHash()));
    if (!user || !ok) {
      deps.loginLimiter.recordFailure(key);
      throw new UnauthorizedError("Wrong email or password.");
    }
    deps.loginLimiter.recordSuccess(key);
    return user;
  }

  async function startSession(c: Context, userId: string) {
    const sessionId = generateSecretToken("ses");
    const csrfToken = generateSecretToken("csrf");
    const ttl = deps.sessionTtlMs ?? defaultSessionTtlMs;
    await deps.stores.sessions.create({
      idHash: hashToken(sessionId),
      userId,
      csrfToken,
      expiresAt: new Date(Date.now() + ttl),
    });
    c.header(
      "Set-Cookie",
      serializeSessionCookie(sessionId, { secure: isHttps(c), maxAgeSeconds: Math.floor(ttl / 1000) }),
    );
    return csrfToken;
  }

  app.get("/setup", async (c) => c.json({ needsSetup: (await deps.stores.users.count()) === 0 }));

  /** First-run admin creation: open only while no user exists. */
  app.post("/setup", async (c) => {
    const body = await readBody(c, credentialsBody);
    checkPasswordPolicy(body.password);
    if ((await deps.stores.users.count()) > 0) {
      throw new ConflictError("pier already has an admin; log in instead.");
    }
    const user = await deps.stores.users.create({
      id: newId("usr"),
      email: body.email,
      passwordHash: await hashPassword(body.password),
      role: "admin",
    });
    const csrfToken = await startSession(c, user.id);
    return c.json({ user: { id: user.id, email: user.email, role: user.role }, csrfToken }, 201);
  });

  app.post("/login", async (c) => {
    const body = await readBody(c, credentialsBody);
    const user = await verifyCredentials(c, body.email, body.password);
    const csrfToken = await startSession(c, user.id);
    return c.json({ user: { id: user.id, email: user.email, role: user.role }, csrfToken });
  });

  /** For `pier login --email`: trades a password for a fresh API token, shown once. */
  app.post("/cli-token", async (c) => {
    const body = await readBody(c, cliTokenBody);
    const user = await verifyCredentials(c, body.email, body.password);
    const token = generateSecretToken();
    const scopes = user.role === "admin" ? ["admin"] : ["write"];
    const row = await deps.stores.tokens.create({
      id: newId("tok"),
      name: body.name,
      tokenHash: hashToken(token),
      hint: tokenHint(token),
      scopes,
      userId: user.id,
    });
    return c.json({ id: row.id, name: row.name, scopes, token }, 201);
  });

  app.post("/logout", async (c) => {
    const sessionId = readCookie(c.req.header("cookie"), sessionCookieName);
    if (sessionId) await deps.stores.sessions.delete(hashToken(sessionId));
    c.header("Set-Cookie", clearSessionCookie(isHttps(c)));
    return c.json({ ok: true });
  });

  app.get("/me", authenticate(deps), (c) => {
    const principal = c.get("principal");
    if (principal.kind === "session") {
      return c.json({
        kind: "session",
        user: { id: principal.userId, email: principal.email },
        scopes: principal.scopes,
        csrfToken: principal.csrfToken,
      });
    }
    return c.json({ kind: "token", tokenId: principal.tokenId, scopes: principal.scopes });
  });

  return app;
}

// A real argon2id hash of a random string, so unknown users cost the same time as known ones.
// Computed on first use rather than at start-up, where it would cost ~50 ms and 64 MB.
let dummyHashPromise: Promise<string> | undefined;
function dummyHash(): Promise<string> {
  dummyHashPromise ??= Bun.password.hash(crypto.randomUUID(), { algorithm: "argon2id" });
  return dummyHashPromise;
}
