import { hashToken, hasScope, readSessionCookie, type Scope, scopeSchema } from "@pier/auth";
import { ForbiddenError, PierError, UnauthorizedError } from "@pier/core";
import type { Stores } from "@pier/db";
import type { Context, MiddlewareHandler } from "hono";
import type { ApiEnv, Principal } from "./env.ts";

/** What authentication reads: tokens, and sessions with their users. */
export interface AuthDeps {
  stores: Pick<Stores, "tokens" | "sessions">;
}

const safeMethods = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Whether the browser reached the console over HTTPS: directly, or through pier's proxy, which
 * sets X-Forwarded-Proto. A client can claim it too, but that changes only its own cookie's name.
 */
export function isHttps(c: Context): boolean {
  return c.req.header("x-forwarded-proto") === "https" || new URL(c.req.url).protocol === "https:";
}

/** The dashboard session id the request's cookie carries, under the name this scheme uses. */
export function sessionIdOf(c: Context): string | undefined {
  return readSessionCookie(c.req.header("cookie"), isHttps(c));
}

export class CsrfFailedError extends PierError {
  constructor() {
    super(
      "csrf_failed",
      "Missing or wrong X-CSRF-Token header for a cookie-authenticated write; reload the dashboard.",
      403,
    );
  }
}

/**
 * Bearer tokens for scripts and the CLI, the session cookie for the dashboard. Cookie-authenticated
 * writes must echo the session's CSRF token, since browsers attach cookies to cross-site requests.
 */
export function authenticate(deps: AuthDeps): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const authorization = c.req.header("authorization");
    if (authorization !== undefined) {
      c.set("principal", await principalFromBearer(deps, authorization));
      return next();
    }
    const sessionId = sessionIdOf(c);
    if (sessionId) {
      // A browser sends the cookie with a WebSocket handshake from any page of the same site (an
      // app under the console's domain, say), and a handshake is a GET that carries no CSRF header.
      // The routes that upgrade (exec, run, connect) are for the CLI: they take a token only.
      if (c.req.header("upgrade")?.toLowerCase() === "websocket")
        throw new PierError(
          "token_required",
          "WebSocket routes (pier exec, pier run, pier services connect) take an API token in the Authorization header, not the dashboard session.",
          403,
        );
      const principal = await principalFromSession(deps, sessionId);
      if (!safeMethods.has(c.req.method) && c.req.header("x-csrf-token") !== principal.csrfToken)
        throw new CsrfFailedError();
      c.set("principal", principal);
      return next();
    }
    throw new UnauthorizedError();
  };
}

async function principalFromBearer(deps: AuthDeps, header: string): Promise<Principal> {
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw new UnauthorizedError("Authorization header must be `Bearer TOKEN`.");
  const tokenHash = hashToken(match[1]!);
  const row = await deps.stores.tokens.findActiveByHash(tokenHash);
  if (!row) {
    throw new UnauthorizedError(
      "This API token is unknown or revoked: ask an admin for a new one (pier token create), log in with your password (pier login URL --email EMAIL), or use the admin token PIER_ADMIN_TOKEN created on first start.",
    );
  }
  // Fire and forget: a lost last-used timestamp is not worth a slower request.
  deps.stores.tokens.touch(row.id).catch(() => {});
  const scopes = row.scopes.flatMap((s) => {
    const parsed = scopeSchema.safeParse(s);
    return parsed.success ? [parsed.data] : [];
  });
  return {
    kind: "token",
    tokenId: row.id,
    scopes,
    userId: row.userId,
    apps: row.apps ?? null,
    stillValid: async () => (await deps.stores.tokens.findActiveByHash(tokenHash)) !== undefined,
  };
}

async function principalFromSession(
  deps: AuthDeps,
  sessionId: string,
): Promise<Principal & { kind: "session" }> {
  const sessionHash = hashToken(sessionId);
  const found = await deps.stores.sessions.findActive(sessionHash);
  if (!found) throw new UnauthorizedError("Your session has expired; log in again.");
  return {
    kind: "session",
    userId: found.user.id,
    email: found.user.email,
    scopes: found.user.role === "admin" ? ["admin"] : ["write"],
    csrfToken: found.csrfToken,
    sessionHash,
    stillValid: async () => (await deps.stores.sessions.findActive(sessionHash)) !== undefined,
  };
}

export function requireScope(scope: Scope): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const principal = c.get("principal");
    if (!hasScope(principal.scopes, scope)) {
      throw new ForbiddenError(
        `This credential has scopes [${principal.scopes.join(", ")}] but this action needs "${scope}".`,
      );
    }
    return next();
  };
}

/**
 * A credential limited to some apps may act on those only: `app` is the app a request is about.
 * Throws a 403 naming the apps the token may use.
 */
export function assertAppAccess(principal: Principal, app: string): void {
  if (principal.kind !== "token" || !principal.apps || principal.apps.includes(app)) return;
  throw new ForbiddenError(
    `This token is limited to the app${principal.apps.length === 1 ? "" : "s"} ${principal.apps.join(", ")}; "${app}" needs another token.`,
  );
}
