export { type LoginGate, LoginRateLimiter, type LoginRateLimitOptions } from "./login-rate-limit.ts";
export { checkPasswordPolicy, hashPassword, minPasswordLength, verifyPassword } from "./password.ts";
export {
  clearSessionCookie,
  readCookie,
  serializeSessionCookie,
  sessionCookieName,
} from "./session-cookie.ts";
export { generateSecretToken, hashToken, hasScope, type Scope, scopeSchema, tokenHint } from "./tokens.ts";
