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
import { type RouteGroup, serveRoute } from "@pier/http";
import type { Context } from "hono";
import type { ApiDeps } from "../context.ts";
import { apiRoutes } from "./contract.ts";

const defaultSessionTtlMs = 7 * 24 * 3600 * 1000;

function isHttps(c: Context): boolean {
  return c.req.header("x-forwarded-proto") === "https" || new URL(c.req.url).protocol === "https:";
}

function clientAddress(c: Context): string {
  return c.req.header("x-forwarded-for")?.split(",")[0]?.trim() ?? c.env?.remoteAddress ?? "local";
}

export function authRoutes(group: RouteGroup, deps: ApiDeps): void {
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

  serveRoute(group, apiRoutes.setupStatus, async () => ({
    needsSetup: (await deps.stores.users.count()) === 0,
  }));

  /** First-run admin creation: open only while no user exists. */
  serveRoute(group, apiRoutes.setup, async ({ body }, c) => {
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
    return { user: { id: user.id, email: user.email, role: user.role }, csrfToken };
  });

  serveRoute(group, apiRoutes.login, async ({ body }, c) => {
    const user = await verifyCredentials(c, body.email, body.password);
    const csrfToken = await startSession(c, user.id);
    return { user: { id: user.id, email: user.email, role: user.role }, csrfToken };
  });

  /** For `pier login --email`: trades a password for a fresh API token, shown once. */
  serveRoute(group, apiRoutes.cliToken, async ({ body }, c) => {
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
    return { id: row.id, name: row.name, scopes, token };
  });

  serveRoute(group, apiRoutes.logout, async (_, c) => {
    const sessionId = readCookie(c.req.header("cookie"), sessionCookieName);
    if (sessionId) await deps.stores.sessions.delete(hashToken(sessionId));
    c.header("Set-Cookie", clearSessionCookie(isHttps(c)));
    return { ok: true as const };
  });

  serveRoute(group, apiRoutes.me, (_, c) => {
    const principal = c.get("principal");
    if (principal.kind === "session") {
      return {
        kind: "session" as const,
        user: { id: principal.userId, email: principal.email },
        scopes: principal.scopes,
        csrfToken: principal.csrfToken,
      };
    }
    return { kind: "token" as const, tokenId: principal.tokenId, scopes: principal.scopes };
  });
}

// A real argon2id hash of a random string, so unknown users cost the same time as known ones.
// Computed on first use rather than at start-up, where it would cost ~50 ms and 64 MB.
let dummyHashPromise: Promise<string> | undefined;
function dummyHash(): Promise<string> {
  dummyHashPromise ??= Bun.password.hash(crypto.randomUUID(), { algorithm: "argon2id" });
  return dummyHashPromise;
}
