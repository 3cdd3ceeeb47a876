import {
  checkPasswordPolicy,
  clearSessionCookie,
  generateSecretToken,
  hashPassword,
  hashToken,
  serializeSessionCookie,
  tokenHint,
  verifyPassword,
} from "@pier/auth";
import {
  ConflictError,
  ForbiddenError,
  newId,
  PierError,
  RateLimitedError,
  UnauthorizedError,
} from "@pier/core";
import {
  authenticate,
  CsrfFailedError,
  isHttps,
  peerAddress,
  type RouteGroup,
  serveRoute,
  sessionIdOf,
} from "@pier/http";
import type { Server } from "bun";
import type { Context } from "hono";
import type { ApiDeps } from "../context.ts";
import { apiRoutes } from "./contract.ts";

const defaultSessionTtlMs = 7 * 24 * 3600 * 1000;

export function authRoutes(group: RouteGroup, deps: ApiDeps): void {
  /** A place under the login limit for this client and account, or a 429 saying when to retry. */
  function attempt(c: Context, account: string) {
    const client =
      deps.originOf?.(c.req.raw, c.env as Server<unknown>).address ?? peerAddress(c) ?? "unknown";
    const gate = deps.loginLimiter.begin(`${client}|${account}`);
    if (!gate.allowed) {
      throw new RateLimitedError(
        `Too many failed attempts; try again in ${gate.retryAfterSeconds} s.`,
        gate.retryAfterSeconds,
      );
    }
    return gate;
  }

  /** Checks a password under the login rate limit; the same path for the dashboard and the CLI. */
  async function verifyCredentials(c: Context, email: string, password: string) {
    const gate = attempt(c, email);
    let verified: Awaited<ReturnType<typeof deps.stores.users.findByEmail>>;
    try {
      const user = await deps.stores.users.findByEmail(email);
      // Verify against a dummy hash when the user is unknown, so timing does not reveal accounts.
      if (await verifyPassword(password, user?.passwordHash ?? (await dummyHash()))) verified = user;
    } finally {
      // Settled on every path, errors included: a reserved place must never stay taken.
      if (verified) gate.succeeded();
      else gate.failed();
    }
    if (!verified) throw new UnauthorizedError("Wrong email or password.");
    return verified;
  }

  /**
   * Setup needs proof of control of the server: the setup code from its log or data dir, or an
   * admin API token (e.g. PIER_ADMIN_TOKEN). Wrong codes count against the same limit as logins.
   */
  async function proveControl(c: Context, setupCode: string | undefined) {
    if (c.req.header("authorization") !== undefined) {
      await authenticate(deps)(c, async () => {});
      if (!c.get("principal").scopes.includes("admin"))
        throw new ForbiddenError("Creating the first admin with a token needs an admin token.");
      return;
    }
    const gate = attempt(c, "setup");
    if (setupCode !== undefined && deps.setup?.accepts(setupCode)) return gate.succeeded();
    gate.failed();
    throw new PierError(
      "setup_code_required",
      setupCode === undefined
        ? "Enter the setup code pier printed when it started (it is also in the data dir, in the file setup-code), or send an admin token."
        : "Wrong setup code: use the one pier printed when it started (also in the data dir, in the file setup-code).",
      403,
    );
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
    await proveControl(c, body.setupCode);
    const user = await deps.stores.users.create({
      id: newId("usr"),
      email: body.email,
      passwordHash: await hashPassword(body.password),
      role: "admin",
    });
    deps.setup?.spend();
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

  /**
   * Public, so that a stale cookie can still be cleared; but a live session ends only with its
   * CSRF token, like any other cookie-authenticated write: a page on another site can send this
   * POST with the cookie attached and would otherwise sign the user out.
   */
  serveRoute(group, apiRoutes.logout, async (_, c) => {
    const sessionId = sessionIdOf(c);
    if (sessionId) {
      const sessionHash = hashToken(sessionId);
      const session = await deps.stores.sessions.findActive(sessionHash);
      if (session && c.req.header("x-csrf-token") !== session.csrfToken) throw new CsrfFailedError();
      if (session) await deps.stores.sessions.delete(sessionHash);
    }
    c.header("Set-Cookie", clearSessionCookie(isHttps(c)));
    return { ok: true as const };
  });

  serveRoute(group, apiRoutes.me, (_, c) => {
    const principal = c.get("principal");
    if (principal.kind === "session") {
      return {
        kind: "session" as const,
        user: {
          id: principal.userId,
          email: principal.email,
          role: principal.scopes.includes("admin") ? ("admin" as const) : ("member" as const),
        },
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
