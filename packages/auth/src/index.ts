export { type LoginGate, LoginRateLimiter, type LoginRateLimitOptions } from "./login-rate-limit.ts";
export { checkPasswordPolicy, hashPassword, minPasswordLength, verifyPassword } from "./password.ts";
export { hasScope, type Scope, scopeSchema } from "./scopes.ts";
export {
  clearSessionCookie,
  readCookie,
  readSessionCookie,
  secureSessionCookieName,
  serializeSessionCookie,
  sessionCookieName,
  sessionCookieNameFor,
} from "./session-cookie.ts";
export { generateSecretToken, hashToken, tokenHint } from "./tokens.ts";
