/** The session cookie's name over plain HTTP (http://127.0.0.1:7070), where `__Host-` is not allowed. */
export const sessionCookieName = "pier_session";

/**
 * Its name under HTTPS. Browsers accept a `__Host-` cookie only when it is Secure, for Path=/ and
 * without Domain, so an app on a sibling subdomain cannot plant one for the console.
 */
export const secureSessionCookieName = `__Host-${sessionCookieName}`;

export function sessionCookieNameFor(secure: boolean): string {
  return secure ? secureSessionCookieName : sessionCookieName;
}

/** HttpOnly keeps scripts away from it; Lax blocks cross-site writes; Secure whenever we run under HTTPS. */
export function serializeSessionCookie(
  value: string,
  options: { secure: boolean; maxAgeSeconds: number },
): string {
  const parts = [
    `${sessionCookieNameFor(options.secure)}=${value}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Lax",
    `Max-Age=${options.maxAgeSeconds}`,
  ];
  if (options.secure) parts.push("Secure");
  return parts.join("; ");
}

export function clearSessionCookie(secure: boolean): string {
  return serializeSessionCookie("", { secure, maxAgeSeconds: 0 });
}

/**
 * The session id a request carries. Under HTTPS only the `__Host-` cookie counts: a plain
 * `pier_session` there may have been set for the parent domain by another site under it.
 */
export function readSessionCookie(header: string | null | undefined, secure: boolean): string | undefined {
  return readCookie(header, sessionCookieNameFor(secure)) || undefined;
}

export function readCookie(header: string | null | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
